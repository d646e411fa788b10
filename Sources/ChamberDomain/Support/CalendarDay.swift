import Foundation

/// A date's calendar day as text, in a time zone: the one way documents, exports and keys write a day.
public enum CalendarDay {
    /// `YYYY-MM-DD` of `date` in `timeZone` (UTC by default).
    public static func text(_ date: Date, in timeZone: TimeZone = .gmt) -> String {
        let (year, month, day) = parts(date, timeZone)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// `MM/DD/YYYY` of `date` in `timeZone`, as US accounting software reads a day.
    public static func usText(_ date: Date, in timeZone: TimeZone) -> String {
        let (year, month, day) = parts(date, timeZone)
        return String(format: "%02d/%02d/%04d", month, day, year)
    }

    private static func parts(_ date: Date, _ timeZone: TimeZone) -> (Int, Int, Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return (parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}
