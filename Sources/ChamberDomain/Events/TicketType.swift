import Foundation

public typealias TicketTypeID = Identifier<TicketType>

/// One way into an event, with its own price, seats and sales window: "Member", "Non-member", "Early bird" (a sales
/// window that ends early), "Table of 8" (``seatsPerTicket`` 8), or free.
public struct TicketType: Sendable, Equatable {
    public let id: TicketTypeID
    public let eventID: EventID
    public var name: String
    /// In the smallest unit of the chamber's currency; 0 is free.
    public var priceCents: Int
    /// Who may buy it.
    public var audience: TicketAudience
    /// The tiers that may buy it, when ``audience`` is `tiers`.
    public var tierIDs: [TierID]
    /// Seats one ticket holds: 1, or a table's size (the buyer names up to that many less one guests).
    public var seatsPerTicket: Int
    /// Seats over every registration of this type; nil for no limit but the event's.
    public var capacity: Int?
    public var seatsTaken: Int
    public var salesStart: Date?
    public var salesEnd: Date?
    /// A retired ticket type is kept for those who hold it and sold to nobody new.
    public var active: Bool

    public init(
        id: TicketTypeID, eventID: EventID, name: String, priceCents: Int = 0, audience: TicketAudience = .everyone, tierIDs: [TierID] = [],
        seatsPerTicket: Int = 1, capacity: Int? = nil, seatsTaken: Int = 0, salesStart: Date? = nil, salesEnd: Date? = nil, active: Bool = true
    ) {
        self.id = id
        self.eventID = eventID
        self.name = name
        self.priceCents = priceCents
        self.audience = audience
        self.tierIDs = tierIDs
        self.seatsPerTicket = seatsPerTicket
        self.capacity = capacity
        self.seatsTaken = seatsTaken
        self.salesStart = salesStart
        self.salesEnd = salesEnd
        self.active = active
    }
}

/// Who may buy a ticket type.
public enum TicketAudience: String, Sendable, Codable, CaseIterable {
    /// Anyone who sees the event.
    case everyone
    /// Members (role member or above) whose standing allows member prices.
    case members
    /// Anyone but members: the non-member price.
    case nonMembers = "non_members"
    /// Members holding one of the ticket type's tiers.
    case tiers
}

/// The fields a client sends to add or change a ticket type; on update `nil` leaves a field as it is.
public struct TicketTypeInput: Sendable {
    public var name: String?
    public var priceCents: Int?
    public var audience: TicketAudience?
    public var tierIDs: [TierID]?
    public var seatsPerTicket: Int?
    public var capacity: Int?
    public var salesStart: Date?
    public var salesEnd: Date?
    public var active: Bool?
    /// Optional fields to set to nothing: `capacity`, `sales_start`, `sales_end`.
    public var clear: Set<String>

    public init(
        name: String? = nil, priceCents: Int? = nil, audience: TicketAudience? = nil, tierIDs: [TierID]? = nil, seatsPerTicket: Int? = nil,
        capacity: Int? = nil, salesStart: Date? = nil, salesEnd: Date? = nil, active: Bool? = nil, clear: Set<String> = []
    ) {
        self.name = name
        self.priceCents = priceCents
        self.audience = audience
        self.tierIDs = tierIDs
        self.seatsPerTicket = seatsPerTicket
        self.capacity = capacity
        self.salesStart = salesStart
        self.salesEnd = salesEnd
        self.active = active
        self.clear = clear
    }
}
