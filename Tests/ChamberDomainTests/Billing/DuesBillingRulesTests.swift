import ChamberDomain
import Foundation
import Testing

/// Dues through invoices as tables on fixed instants: which reminder an invoice has reached, and what paying a
/// period's invoice does to a standing in each status (including a retry and a lapsed membership).
@Suite("Dues billing rules")
struct DuesBillingRulesTests {
    /// `year`-`month`-`day` `hour`:00 UTC.
    static func day(_ month: Int, _ day: Int, _ year: Int, _ hour: Int) -> Date {
        MembershipStandingRulesTests.day(month, day, year: year, hour: hour)
    }
    static let tier = MembershipTier(
        id: TierID("gold"), chamberID: ChamberID("c"), name: "Gold", duesCents: 36_500, period: .annual, createdAt: day(1, 1, 2026, 0))

    @Test(
        "the reminder an invoice due on 2026-03-01 has reached (late fee after 14 days, or none)",
        arguments: [
            (day(2, 1, 2026, 0), Int64(2_500), nil as InvoiceReminder?),
            (day(2, 21, 2026, 23), 2_500, nil),
            (day(2, 22, 2026, 0), 2_500, .dueSoon),
            (day(2, 28, 2026, 23), 2_500, .dueSoon),
            (day(3, 1, 2026, 0), 2_500, .overdue),
            (day(3, 14, 2026, 23), 2_500, .overdue),
            (day(3, 15, 2026, 0), 2_500, .lateFee),
            (day(9, 1, 2026, 0), 2_500, .lateFee),
            (day(9, 1, 2026, 0), 0, .overdue),
        ])
    func reminders(_ at: Date, _ fee: Int64, _ expected: InvoiceReminder?) {
        #expect(InvoiceReminder.due(dueAt: Self.day(3, 1, 2026, 0), at: at, lateFeeMinor: fee, lateFeeAfterDays: 14) == expected)
    }

    static func standing(_ status: MembershipStatus, paidThrough: Date?) -> MembershipStanding {
        MembershipStanding(tierID: tier.id, status: status, paidThrough: paidThrough, statusChangedAt: day(1, 1, 2026, 0))
    }

    /// A period 2026-03-01 → 2027-03-01, paid at `at` by a standing paid through `paidThrough`: its status and dates
    /// after, or nil for nothing to do.
    @Test(
        "paying a period's dues invoice",
        arguments: [
            // Renewed ahead: active, paid through the period's end.
            (
                MembershipStatus.active, day(3, 1, 2026, 0) as Date?, day(2, 20, 2026, 0), MembershipStatus.active as MembershipStatus?,
                day(3, 1, 2027, 0) as Date?
            ),
            // In grace: active again, the period running from where the last ended (grace days are not free).
            (.grace, day(3, 1, 2026, 0), day(3, 20, 2026, 0), .active, day(3, 1, 2027, 0)),
            // Never paid: active.
            (.pending, nil, day(3, 1, 2026, 0), .active, day(3, 1, 2027, 0)),
            // A retry: paid through already, nothing.
            (.active, day(3, 1, 2027, 0), day(3, 5, 2026, 0), nil, nil),
            // Lapsed (grace of 30 days over): as many days as the period, from the day of payment.
            (.lapsed, day(3, 1, 2026, 0), day(6, 15, 2026, 10), .active, day(6, 15, 2027, 0)),
            // Suspended stays suspended, but the dues count.
            (.suspended, day(3, 1, 2026, 0), day(2, 20, 2026, 0), .suspended, day(3, 1, 2027, 0)),
        ])
    func paying(_ status: MembershipStatus, _ paidThrough: Date?, _ at: Date, _ after: MembershipStatus?, _ through: Date?) {
        let terms = DuesTerms.period(
            of: UserID("m"), tierID: Self.tier.id,
            span: DuesPeriodSpan(start: Self.day(3, 1, 2026, 0), end: Self.day(3, 1, 2027, 0), amountCents: 36_500))
        #expect(terms.reference == "period:m:2026-03-01")
        let next = Self.standing(status, paidThrough: paidThrough).paying(terms, at: at, policy: MembershipPolicy(graceDays: 30))
        #expect(next?.status == after && next?.paidThrough == through, "\(String(describing: next))")
        if let next { #expect(next.paying(terms, at: at, policy: MembershipPolicy(graceDays: 30)) == nil, "a second time: nothing") }
    }

    @Test("a tier change's invoice moves no dates")
    func prorationMovesNothing() {
        let terms = DuesTerms(
            kind: .proration, tierID: Self.tier.id, periodStart: Self.day(6, 1, 2026, 0), periodEnd: Self.day(3, 1, 2027, 0), reference: "proration:x"
        )
        #expect(
            Self.standing(.active, paidThrough: Self.day(3, 1, 2027, 0)).paying(terms, at: Self.day(6, 1, 2026, 0), policy: .init())
                == nil)
    }
}
