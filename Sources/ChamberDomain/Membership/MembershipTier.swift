import Foundation

public typealias TierID = Identifier<MembershipTier>

/// A level of membership a chamber sells (Bronze, Silver, Gold, or any it defines): what it costs, how often, what it
/// gives, and how many of the business's staff it seats.
public struct MembershipTier: Sendable, Equatable, Codable {
    public let id: TierID
    public let chamberID: ChamberID
    public var name: String
    /// Dues per period, in the smallest unit of the chamber's currency (cents).
    public var duesCents: Int
    public var period: DuesPeriod
    public var benefits: [String]
    /// People of the member business who join with it, its membership's holder included (``BusinessSeating``).
    public var seats: Int
    /// A retired tier is kept for those who hold it but offered to nobody new.
    public var active: Bool
    public let createdAt: Date

    public init(
        id: TierID, chamberID: ChamberID, name: String, duesCents: Int, period: DuesPeriod, benefits: [String] = [], seats: Int = 1,
        active: Bool = true, createdAt: Date
    ) {
        self.id = id
        self.chamberID = chamberID
        self.name = name
        self.duesCents = duesCents
        self.period = period
        self.benefits = benefits
        self.seats = seats
        self.active = active
        self.createdAt = createdAt
    }
}

/// How often dues fall due.
public enum DuesPeriod: String, Sendable, Codable, CaseIterable {
    case monthly, quarterly, annual

    /// Months in one period.
    public var months: Int {
        switch self {
        case .monthly: 1
        case .quarterly: 3
        case .annual: 12
        }
    }
}

/// The fields a client sends to create or change a tier; on update `nil` leaves a field as it is.
public struct TierInput: Sendable {
    public var name: String?
    public var duesCents: Int?
    public var period: DuesPeriod?
    public var benefits: [String]?
    public var seats: Int?
    public var active: Bool?

    public init(
        name: String? = nil, duesCents: Int? = nil, period: DuesPeriod? = nil, benefits: [String]? = nil, seats: Int? = nil, active: Bool? = nil
    ) {
        self.name = name
        self.duesCents = duesCents
        self.period = period
        self.benefits = benefits
        self.seats = seats
        self.active = active
    }
}
