import Foundation

extension Date {
    /// Whole milliseconds since 1970, rounded down: the precision instants are stored and written with, so an
    /// instant answered straight from memory reads the same as when it is read back later.
    public var millisecondsSince1970: Int64 {
        // Through whole microseconds first: a stored instant (n / 1000 as a Double) times 1000 may come out a hair
        // under n, and rounding that down would move it by a millisecond on every round trip.
        let microseconds = Int64((timeIntervalSince1970 * 1_000_000).rounded())
        let (quotient, remainder) = microseconds.quotientAndRemainder(dividingBy: 1000)
        return remainder < 0 ? quotient - 1 : quotient
    }

    public init(millisecondsSince1970 milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// ISO 8601 in UTC with milliseconds (`2026-11-23T11:05:06.786Z`), the milliseconds cut as they are stored.
    public var iso8601Milliseconds: String {
        let milliseconds = millisecondsSince1970
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let (wholeSeconds, rest) = fraction < 0 ? (seconds - 1, fraction + 1000) : (seconds, fraction)
        let base = Date(timeIntervalSince1970: Double(wholeSeconds)).formatted(Self.wholeSecondsStyle)
        let digits = String(rest)
        return base.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// A value type, safe to share across threads.
    private static let wholeSecondsStyle = Date.ISO8601FormatStyle()
}
