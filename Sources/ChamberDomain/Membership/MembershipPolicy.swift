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
