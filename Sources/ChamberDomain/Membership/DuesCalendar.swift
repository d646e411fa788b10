import Foundation

/// A span of paid membership and what it costs.
public struct DuesPeriodSpan: Sendable, Equatable {
    /// The first paid day (a UTC midnight).
    public let start: Date
    /// The day after the last paid one: the new paid-through date.
    public let end: Date
    /// Dues for the span: the tier's dues, prorated when the span is shorter than a whole period.
    public let amountCents: Int

    public init(start: Date, end: Date, amountCents: Int) {
        self.start = start
        self.end = end
        self.amountCents = amountCents
    }
}

/// A tier change's money: the unused part of the old tier's dues credited, the same part of the new tier's charged.
public struct Proration: Sendable, Equatable, Codable {
    public let creditCents: Int
    public let chargeCents: Int
    /// Whole paid days left when the change was made.
    public let daysLeft: Int
    /// Days of the old tier's whole period, its dues' denominator.
    public let daysInPeriod: Int
    /// What billing collects (negative: what it owes the member).
    public var netCents: Int { chargeCents - creditCents }
}

/// Dates and money of dues, in whole UTC days: the same answer on every node and in every time zone.
public enum DuesCalendar {
    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// Days in `month` of a leap year: a fixed renewal date may be February 29 (in other years it falls on the 28th).
    static func daysInMonth(_ month: Int) -> Int { [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] }

    /// The start of `date`'s UTC day.
    public static func day(_ date: Date) -> Date { calendar.startOfDay(for: date) }

    public static func adding(days: Int, to date: Date) -> Date { calendar.date(byAdding: .day, value: days, to: date)! }

    static func adding(months: Int, to date: Date) -> Date { calendar.date(byAdding: .month, value: months, to: date)! }

    static func days(from start: Date, to end: Date) -> Int { calendar.dateComponents([.day], from: day(start), to: day(end)).day! }

    /// The period paid by the next dues of a membership whose dues run through `paidThrough` (nil: it never paid,
    /// and its first period starts `from`).
    /// - Anniversary: one whole period from where the last ended (or from `from`).
    /// - Fixed: up to the next renewal date after the start, on the tier's period (an annual tier renews on the
    ///   date, a quarterly one on it and every three months from it); a first period shorter than a whole one costs
    ///   its share of the dues, by days.
    public static func nextSpan(
        paidThrough: Date?, from: Date, tier: MembershipTier, renewal: RenewalPolicy
    ) -> DuesPeriodSpan {
        let start = day(paidThrough ?? from)
        switch renewal {
        case .anniversary:
            return DuesPeriodSpan(start: start, end: adding(months: tier.period.months, to: start), amountCents: tier.duesCents)
        case .fixed(let month, let day):
            let (previous, end) = renewalDates(around: start, month: month, day: day, everyMonths: tier.period.months)
            let amount = prorate(tier.duesCents, days: days(from: start, to: end), of: days(from: previous, to: end))
            return DuesPeriodSpan(start: start, end: end, amountCents: amount)
        }
    }

    /// The renewal dates around `start`: the last on or before it and the first after it. Renewal dates are the
    /// anchor `month`-`day` stepped by `everyMonths`, each on the anchor's day or the last of a shorter month (a 31st
    /// renews on April 30, a February 29 on the 28th in other years and on the 29th again in leap years).
    static func renewalDates(around start: Date, month: Int, day: Int, everyMonths: Int) -> (previous: Date, next: Date) {
        let year = calendar.component(.year, from: start)
        // From the anchor in the year before (on or before start), forward in steps.
        var step = 0
        var previous = Date.distantPast
        while true {
            let months = (month - 1) + step
            let firstOfMonth = calendar.date(from: DateComponents(year: year - 1 + months / 12, month: months % 12 + 1, day: 1))!
            let candidate = adding(days: min(day, calendar.range(of: .day, in: .month, for: firstOfMonth)!.count) - 1, to: firstOfMonth)
            if candidate > start { return (previous, candidate) }
            previous = candidate
            step += everyMonths
        }
    }

    /// What changing from `old` to `new` at `at` costs, for a membership paid up to `paidThrough`: the days left,
    /// at each tier's dues per day of its own whole period ending there (so a short first period or a tier of another
    /// period is priced right). Nothing when no paid days are left.
    public static func proration(old: MembershipTier, new: MembershipTier, paidThrough: Date, at: Date) -> Proration {
        let left = max(days(from: at, to: paidThrough), 0)
        func wholePeriod(_ tier: MembershipTier) -> Int { max(days(from: adding(months: -tier.period.months, to: paidThrough), to: paidThrough), 1) }
        return Proration(
            creditCents: prorate(old.duesCents, days: left, of: wholePeriod(old)),
            chargeCents: prorate(new.duesCents, days: left, of: wholePeriod(new)),
            daysLeft: left, daysInPeriod: wholePeriod(old))
    }

    /// `cents × days ÷ total`, rounded half up, in integers.
    static func prorate(_ cents: Int, days: Int, of total: Int) -> Int {
        guard total > 0 else { return cents }
        return (cents * days * 2 + total) / (total * 2)
    }
}
