import Foundation

/// A time of day on a wall clock, `HH:MM`.
public struct ClockTime: Sendable, Equatable, Codable, CustomStringConvertible {
    public let hour: Int
    public let minute: Int

    /// Parses `HH:MM` on a 24-hour clock; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        self.hour = hour
        self.minute = minute
    }

    var minuteOfDay: Int { hour * 60 + minute }

    public var description: String {
        (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let time = ClockTime(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not HH:MM: \(text)"))
        }
        self = time
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A daily span on the member's wall clock in which nothing interrupts them: no push, no e-mail at once.
///
/// `start` is inside the span and `end` is not. A span may cross midnight. Read on the wall clock of `timeZone`, so a
/// change to or from summer time moves the span with the clock, as the member expects.
public struct QuietHours: Sendable, Equatable, Codable {
    public let start: ClockTime
    public let end: ClockTime
    /// An IANA time zone identifier.
    public let timeZone: String

    /// Checks the span; `start` equal to `end` is refused (it would mean never, or always), as is an unknown zone.
    public init(start: ClockTime, end: ClockTime, timeZone: String) throws(ChamberError) {
        guard start != end else {
            throw ChamberError(.validationFailed, "quiet hours must start and end at different times", field: "quiet_hours.end")
        }
        guard TimeZone(identifier: timeZone) != nil else {
            throw ChamberError(.validationFailed, "unknown time zone: \(timeZone)", field: "quiet_hours.time_zone")
        }
        self.start = start
        self.end = end
        self.timeZone = timeZone
    }

    private enum CodingKeys: String, CodingKey {
        case start, end
        case timeZone = "time_zone"
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? .gmt
        return calendar
    }

    /// Whether `instant` falls in the span, on the wall clock of the member's zone.
    public func contains(_ instant: Date) -> Bool {
        let clock = calendar.dateComponents([.hour, .minute], from: instant)
        let now = (clock.hour ?? 0) * 60 + (clock.minute ?? 0)
        return start.minuteOfDay < end.minuteOfDay
            ? (start.minuteOfDay..<end.minuteOfDay).contains(now)
            : now >= start.minuteOfDay || now < end.minuteOfDay
    }

    /// The next moment after `instant` at which the span ends (the wall clock shows `end`).
    public func nextEnd(after instant: Date) -> Date {
        calendar.nextDate(
            after: instant, matching: DateComponents(hour: end.hour, minute: end.minute, second: 0), matchingPolicy: .nextTime)
            ?? instant
    }
}
