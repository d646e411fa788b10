import ChamberDomain
import Foundation
import Testing

/// A membership's year as tables: what each status allows, the status dates call for at each moment (a test clock
/// of fixed instants), the renewal periods and their prorated dues, and a tier change's proration.
@Suite("Membership standing rules")
struct MembershipStandingRulesTests {
    /// 2026-`month`-`day` `hour`:00 UTC.
    static func day(_ month: Int, _ day: Int, year: Int = 2026, hour: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour))!
    }

    /// What each status allows, as a grid: c chat, d directory listing, p member prices.
    static let privileges: [MembershipStatus: String] = [
        .pending: "c", .trial: "cdp", .active: "cdp", .grace: "cdp", .lapsed: "", .suspended: "", .cancelled: "",
    ]

    @Test("what a status allows", arguments: MembershipStatus.allCases)
    func allows(_ status: MembershipStatus) {
        let grid = Self.privileges[status] ?? "?"
        for (letter, privilege) in [("c", MemberPrivilege.chat), ("d", .directoryListing), ("p", .memberPrices)] {
            #expect(status.allows(privilege) == grid.contains(letter), "\(status) \(privilege)")
        }
    }

    /// A standing on 2026-03-01 with a trial to March 15 and/or dues paid to April 1, looked at on each date.
    @Test(
        "the status the dates call for (grace 30 days)",
        arguments: [
            // (status held, trial ends, paid through, looked at, expected)
            (MembershipStatus.pending, nil, nil, day(6, 1), MembershipStatus.pending),
            (.trial, day(3, 15), nil, day(3, 14, hour: 23), .trial),
            (.trial, day(3, 15), nil, day(3, 15), .grace),
            (.trial, day(3, 15), nil, day(4, 13, hour: 23), .grace),
            (.trial, day(3, 15), nil, day(4, 14), .lapsed),
            (.trial, day(3, 15), day(4, 1), day(3, 10), .active),
            (.active, nil, day(4, 1), day(3, 31, hour: 23), .active),
            (.active, nil, day(4, 1), day(4, 1), .grace),
            (.grace, nil, day(4, 1), day(5, 1), .lapsed),
            (.lapsed, nil, day(6, 1), day(5, 2), .active),
            (.suspended, nil, day(6, 1), day(5, 2), .suspended),
            (.cancelled, nil, nil, day(5, 2), .cancelled),
        ])
    func due(_ held: MembershipStatus, _ trialEnds: Date?, _ paidThrough: Date?, _ at: Date, _ expected: MembershipStatus) {
        let standing = MembershipStanding(
            tierID: TierID("t"), status: held, trialEndsAt: trialEnds, paidThrough: paidThrough, statusChangedAt: Self.day(3, 1))
        #expect(standing.due(at: at, graceDays: 30) == expected)
    }

    @Test("a reinstated membership goes where the dates say")
    func reinstated() {
        let standing = MembershipStanding(tierID: TierID("t"), status: .suspended, paidThrough: Self.day(4, 1), statusChangedAt: Self.day(3, 1))
        #expect(standing.dueByDates(at: Self.day(3, 20), graceDays: 30) == .active)
        #expect(standing.dueByDates(at: Self.day(4, 20), graceDays: 30) == .grace)
        #expect(standing.dueByDates(at: Self.day(5, 20), graceDays: 0) == .lapsed)
    }

    static func tier(_ dues: Int, _ period: DuesPeriod) -> MembershipTier {
        MembershipTier(id: TierID("t-\(dues)"), chamberID: ChamberID("c"), name: "T\(dues)", duesCents: dues, period: period, createdAt: day(1, 1))
    }

    @Test(
        "the next paid period and its dues",
        arguments: [
            // (paid through, from, dues, period, renewal, start, end, amount)
            (nil as Date?, day(3, 10, hour: 15), 36_500, DuesPeriod.annual, "anniversary", day(3, 10), day(3, 10, year: 2027), 36_500),
            (day(3, 10), day(5, 1), 36_500, .annual, "anniversary", day(3, 10), day(3, 10, year: 2027), 36_500),
            (nil, day(1, 31), 3_000, .monthly, "anniversary", day(1, 31), day(2, 28), 3_000),
            // A fixed date: the first period runs to it, its dues by days (2026-07-01 → 2027-01-01: 184 of 365 days).
            (nil, day(7, 1), 36_500, .annual, "01-01", day(7, 1), day(1, 1, year: 2027), 18_400),
            (day(1, 1, year: 2027), day(7, 1), 36_500, .annual, "01-01", day(1, 1, year: 2027), day(1, 1, year: 2028), 36_500),
            (nil, day(1, 1), 36_500, .annual, "01-01", day(1, 1), day(1, 1, year: 2027), 36_500),
            // Quarterly on a fixed date renews on it and every three months from it: 2026-02-15 → 2026-04-01 is 45 of 90 days.
            (nil, day(2, 15), 9_000, .quarterly, "01-01", day(2, 15), day(4, 1), 4_500),
            // February 29 in a year without one falls on the last of February, and on the 29th again in a leap year.
            (nil, day(3, 1), 36_500, .annual, "02-29", day(3, 1), day(2, 28, year: 2027), 36_400),
            (day(2, 28, year: 2027), day(3, 1), 36_500, .annual, "02-29", day(2, 28, year: 2027), day(2, 29, year: 2028), 36_500),
            // A 31st renews on the last of a shorter month: February 1 → 28 is 27 of the 28 days from January 31.
            (nil, day(2, 1), 3_100, .monthly, "01-31", day(2, 1), day(2, 28), 2_989),
        ])
    func nextSpan(
        _ paidThrough: Date?, _ from: Date, _ dues: Int, _ period: DuesPeriod, _ renewal: String, _ start: Date, _ end: Date, _ amount: Int
    ) throws {
        let policy = try #require(RenewalPolicy(wireValue: renewal))
        let span = DuesCalendar.nextSpan(paidThrough: paidThrough, from: from, tier: Self.tier(dues, period), renewal: policy)
        #expect(span == DuesPeriodSpan(start: start, end: end, amountCents: amount))
    }

    @Test("a tier change prices each tier by its own period: a short first period is not credited at the full rate; monthly to annual")
    func prorationByPeriod() {
        // Paid 18,400 for 2026-07-01 → 2027-01-01 on a fixed date; a change the next day credits 183 of 365 days.
        let short = DuesCalendar.proration(
            old: Self.tier(36_500, .annual), new: Self.tier(73_000, .annual), paidThrough: Self.day(1, 1, year: 2027), at: Self.day(7, 2))
        #expect(short.creditCents == 18_300 && short.chargeCents == 36_600)
        // Monthly (3,100 for March's 31 days) to annual with 16 days of March left: 16/31 of the month, 16/365 of the year.
        let monthly = DuesCalendar.proration(
            old: Self.tier(3_100, .monthly), new: Self.tier(36_500, .annual), paidThrough: Self.day(4, 1), at: Self.day(3, 16))
        #expect(monthly.creditCents == 1_600 && monthly.chargeCents == 1_600 && monthly.daysLeft == 16 && monthly.daysInPeriod == 31)
    }

    @Test(
        "a tier change credits the old tier's unused days and charges the new one's",
        arguments: [
            // (old dues, new dues, changed on, credit, charge, days left)
            (36_500, 73_000, day(7, 2), 18_300, 36_600, 183),
            (73_000, 36_500, day(7, 2), 36_600, 18_300, 183),
            (36_500, 73_000, day(1, 1), 36_500, 73_000, 365),
            (36_500, 73_000, day(12, 31), 100, 200, 1),
            (36_500, 73_000, day(2, 1, year: 2027), 0, 0, 0),
        ])
    func proration(_ oldDues: Int, _ newDues: Int, _ at: Date, _ credit: Int, _ charge: Int, _ daysLeft: Int) {
        let owed = DuesCalendar.proration(
            old: Self.tier(oldDues, .annual), new: Self.tier(newDues, .annual), paidThrough: Self.day(1, 1, year: 2027), at: at)
        #expect(owed.creditCents == credit && owed.chargeCents == charge && owed.daysLeft == daysLeft && owed.daysInPeriod == 365, "\(owed)")
        #expect(owed.netCents == charge - credit)
    }

    @Test(
        "renewal settings: anniversary or MM-DD of a real day",
        arguments: [
            ("anniversary", true), ("01-01", true), ("12-31", true), ("02-29", true), ("02-30", false), ("13-01", false), ("1-1", false),
            ("00-10", false), ("", false), ("Anniversary", false), ("01-01-2027", false),
        ])
    func renewalSettings(_ text: String, _ valid: Bool) {
        let policy = RenewalPolicy(wireValue: text)
        #expect((policy != nil) == valid)
        if let policy { #expect(policy.wireValue == text) }
    }

    @Test("the opening standing: a trial when the chamber gives one, else pending")
    func opening() {
        let at = Self.day(3, 10, hour: 9)
        let trial = MembershipStandingService.opening(policy: MembershipPolicy(trialDays: 14), tierID: TierID("t"), businessID: nil, at: at)
        #expect(trial.status == .trial && trial.trialEndsAt == Self.day(3, 24, hour: 9) && trial.paidThrough == nil)
        let pending = MembershipStandingService.opening(policy: MembershipPolicy(), tierID: TierID("t"), businessID: nil, at: at)
        #expect(pending.status == .pending && pending.trialEndsAt == nil)
    }

    @Test("settings stored before the membership policy existed read with its defaults")
    func storedSettings() throws {
        let old = #"{"timezone":"UTC","currency":"EUR","openApplications":true,"directoryVisibleToMembers":false}"#
        let settings = try JSONDecoder().decode(ChamberSettings.self, from: Data(old.utf8))
        #expect(settings.currency == "EUR" && settings.membership == MembershipPolicy())
        let round = try JSONDecoder().decode(
            ChamberSettings.self, from: JSONEncoder().encode(ChamberSettings(membership: .init(renewal: .fixed(month: 7, day: 1)))))
        #expect(round.membership.renewal == .fixed(month: 7, day: 1))
    }
}
