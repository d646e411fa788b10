import Foundation

/// A member business's standing with the chamber: its tier, its status and the dates that move it. Held with the
/// membership of the business's owner, who is the member the chamber bills and tells.
public struct MembershipStanding: Sendable, Equatable, Codable {
    public var tierID: TierID
    public var status: MembershipStatus
    /// The business this standing is for.
    public var businessID: BusinessID?
    /// End of the free trial, if the membership had one.
    public var trialEndsAt: Date?
    /// Start of the period the latest dues paid.
    public var periodStart: Date?
    /// Dues are paid up to this day (exclusive); nil until the first dues.
    public var paidThrough: Date?
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

/// How a chamber runs its memberships' year: a free trial for the newly approved, the grace days before owed dues
/// lapse a membership, and the renewal date.
public struct MembershipPolicy: Sendable, Equatable, Codable {
    /// Days of free membership after approval; 0: none (an approved member is pending until the first dues).
    public var trialDays: Int
    /// Days after dues fall due before the membership lapses.
    public var graceDays: Int
    public var renewal: RenewalPolicy

    public init(trialDays: Int = 0, graceDays: Int = 30, renewal: RenewalPolicy = .anniversary) {
        self.trialDays = trialDays
        self.graceDays = graceDays
        self.renewal = renewal
    }

    private enum CodingKeys: String, CodingKey { case trialDays, graceDays, renewal }

    /// Fields missing from a stored policy take their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = MembershipPolicy()
        trialDays = try container.decodeIfPresent(Int.self, forKey: .trialDays) ?? defaults.trialDays
        graceDays = try container.decodeIfPresent(Int.self, forKey: .graceDays) ?? defaults.graceDays
        renewal = try container.decodeIfPresent(RenewalPolicy.self, forKey: .renewal) ?? defaults.renewal
    }
}
