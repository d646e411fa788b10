/// How a chamber runs its memberships' year: a free trial for the newly approved, the grace days before owed dues
/// lapse a membership, the renewal date, how early dues are invoiced, and the late fee.
public struct MembershipPolicy: Sendable, Equatable, Codable {
    /// Days of free membership after approval; 0: none (an approved member is pending until the first dues).
    public var trialDays: Int
    /// Days after dues fall due before the membership lapses.
    public var graceDays: Int
    public var renewal: RenewalPolicy
    /// Days before a period starts that its dues are invoiced.
    public var invoiceDaysBefore: Int
    /// Added once to an invoice still owed ``lateFeeAfterDays`` after its due date, in minor units; 0: no late fee.
    public var lateFeeMinor: Int64
    public var lateFeeAfterDays: Int

    public init(
        trialDays: Int = 0, graceDays: Int = 30, renewal: RenewalPolicy = .anniversary, invoiceDaysBefore: Int = 30, lateFeeMinor: Int64 = 0,
        lateFeeAfterDays: Int = 14
    ) {
        self.trialDays = trialDays
        self.graceDays = graceDays
        self.renewal = renewal
        self.invoiceDaysBefore = invoiceDaysBefore
        self.lateFeeMinor = lateFeeMinor
        self.lateFeeAfterDays = lateFeeAfterDays
    }

    private enum CodingKeys: String, CodingKey { case trialDays, graceDays, renewal, invoiceDaysBefore, lateFeeMinor, lateFeeAfterDays }

    /// Fields missing from a stored policy take their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = MembershipPolicy()
        trialDays = try container.decodeIfPresent(Int.self, forKey: .trialDays) ?? defaults.trialDays
        graceDays = try container.decodeIfPresent(Int.self, forKey: .graceDays) ?? defaults.graceDays
        renewal = try container.decodeIfPresent(RenewalPolicy.self, forKey: .renewal) ?? defaults.renewal
        invoiceDaysBefore = try container.decodeIfPresent(Int.self, forKey: .invoiceDaysBefore) ?? defaults.invoiceDaysBefore
        lateFeeMinor = try container.decodeIfPresent(Int64.self, forKey: .lateFeeMinor) ?? defaults.lateFeeMinor
        lateFeeAfterDays = try container.decodeIfPresent(Int.self, forKey: .lateFeeAfterDays) ?? defaults.lateFeeAfterDays
    }
}
