import Foundation

/// A member business's standing with the chamber: its tier, its status and the dates that move it. Held with the
/// membership of the business's owner, who is the member the chamber bills and tells.
public struct MembershipStanding: Sendable, Equatable, Codable {
    /// The tier the dues are for.
    public var tierID: TierID
    /// As last written; ``due(at:graceDays:)`` says what the dates call for now.
    public var status: MembershipStatus
    /// The business this standing is for.
    public var businessID: BusinessID?
    /// End of the free trial, if the membership had one.
    public var trialEndsAt: Date?
    /// Start of the period the latest dues paid.
    public var periodStart: Date?
    /// Dues are paid up to this day (exclusive); nil until the first dues.
    public var paidThrough: Date?
    /// When `status` last changed.
    public var statusChangedAt: Date
    /// Raised by every write: a change made on a stale reading (two nodes' standing jobs, two staff) is refused.
    public var revision: Int

    public init(
        tierID: TierID, status: MembershipStatus, businessID: BusinessID? = nil, trialEndsAt: Date? = nil, periodStart: Date? = nil,
        paidThrough: Date? = nil, statusChangedAt: Date, revision: Int = 0
    ) {
        self.tierID = tierID
        self.status = status
        self.businessID = businessID
        self.trialEndsAt = trialEndsAt
        self.periodStart = periodStart
        self.paidThrough = paidThrough
        self.statusChangedAt = statusChangedAt
        self.revision = revision
    }

    /// The status the dates call for at `at`: staff's suspension or cancellation stands; otherwise paid dues make it
    /// active, a running trial a trial, and owed dues grace for `graceDays` from when they fell due, then lapsed.
    /// Never paid and no trial: pending.
    public func due(at: Date, graceDays: Int) -> MembershipStatus {
        status.isSetByStaff ? status : dueByDates(at: at, graceDays: graceDays)
    }

    /// The status the dates alone call for: what a reinstated membership returns to.
    public func dueByDates(at: Date, graceDays: Int) -> MembershipStatus {
        if let paidThrough, at < paidThrough { return .active }
        if let trialEndsAt, at < trialEndsAt { return .trial }
        guard let owedSince = paidThrough ?? trialEndsAt else { return .pending }
        return at < DuesCalendar.adding(days: graceDays, to: owedSince) ? .grace : .lapsed
    }
}

extension MembershipStanding {
    /// The standing once dues for `terms` are paid at `at`, or nil when they moved it already (a retry, another
    /// node). A period's dues carry the paid-through date to its end; a lapsed membership gets as many days as the
    /// period has from the day of payment instead (not the months it was out, nor a stub to a renewal date it never
    /// paid for). Suspension and cancellation stand.
    public func paying(_ terms: DuesTerms, at: Date, policy: MembershipPolicy) -> MembershipStanding? {
        guard terms.kind == .period, paidThrough.map({ $0 < terms.periodEnd }) ?? true else { return nil }
        var next = self
        if dueByDates(at: at, graceDays: policy.graceDays) == .lapsed {
            let start = DuesCalendar.day(at)
            let days = DuesCalendar.days(from: terms.periodStart, to: terms.periodEnd)
            (next.periodStart, next.paidThrough) = (start, DuesCalendar.adding(days: days, to: start))
        } else {
            (next.periodStart, next.paidThrough) = (terms.periodStart, terms.periodEnd)
        }
        next.status = next.due(at: at, graceDays: policy.graceDays)
        if next.status != status { next.statusChangedAt = at }
        return next
    }
}
