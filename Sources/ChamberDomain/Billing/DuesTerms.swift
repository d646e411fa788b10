import Foundation

/// What a dues invoice is for. Paying a period's invoice carries the membership's paid-through date to the period's
/// end (and makes it active); paying a tier change's settles the days left on the dearer tier.
public struct DuesTerms: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// A period of membership on the tier.
        case period
        /// The net of a tier change: the new tier's charge for the days left less the old tier's unused part.
        case proration
    }

    public let kind: Kind
    public let tierID: TierID
    /// The first day the invoice pays for (a UTC midnight).
    public let periodStart: Date
    /// The day after the last one it pays for.
    public let periodEnd: Date
    /// What makes it the one invoice of its kind: `period:<user>:<yyyy-mm-dd>` or `proration:<dues ledger entry>`.
    /// At most one invoice that is not void holds a reference, however many nodes bill at once.
    public let reference: String

    public init(kind: Kind, tierID: TierID, periodStart: Date, periodEnd: Date, reference: String) {
        self.kind = kind
        self.tierID = tierID
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.reference = reference
    }

    /// The terms of a member's dues for `span`.
    public static func period(of userID: UserID, tierID: TierID, span: DuesPeriodSpan) -> DuesTerms {
        DuesTerms(
            kind: .period, tierID: tierID, periodStart: span.start, periodEnd: span.end,
            reference: "period:\(userID):\(CalendarDay.text(span.start))")
    }
}
