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

    /// ISO 8601 in UTC to the second (`2026-11-23T11:05:06Z`), as the REST API writes instants (what Foundation's
    /// `.iso8601` strategy writes), the fraction cut.
    public var iso8601Seconds: String {
        let withMilliseconds = iso8601Milliseconds
        // `YYYY-MM-DDTHH:MM:SS.mmmZ` between the years 1600 and 9999.
        guard withMilliseconds.utf8.count == 24 else {
            return Date(millisecondsSince1970: millisecondsSince1970 / 1000 * 1000).formatted(Self.wholeSecondsStyle)
        }
        return withMilliseconds.prefix(19) + "Z"
    }

    /// ISO 8601 in UTC with milliseconds (`2026-11-23T11:05:06.786Z`), the milliseconds cut as they are stored.
    /// Written digit by digit from the Gregorian date, as every message frame carries one or two; outside the years
    /// 1600–9999 by Foundation's formatter (several times slower, and Julian before 1582).
    public var iso8601Milliseconds: String {
        let milliseconds = millisecondsSince1970
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let (wholeSeconds, rest) = fraction < 0 ? (seconds - 1, fraction + 1000) : (seconds, fraction)
        let (days, secondOfDay) = wholeSeconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        let date = Self.civil(daysSince1970: day)
        guard (1600...9999).contains(date.year) else {
            let base = Date(timeIntervalSince1970: Double(wholeSeconds)).formatted(Self.wholeSecondsStyle)
            let digits = String(rest)
            return base.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8((value / divisor) % 10))
                divisor /= 10
            }
        }
        digits(date.year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(date.month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(date.day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(second / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(second % 3600 / 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(second % 60, 2)
        bytes.append(UInt8(ascii: "."))
        digits(rest, 3)
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civil(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// A value type, safe to share across threads.
    private static let wholeSecondsStyle = Date.ISO8601FormatStyle()
}
