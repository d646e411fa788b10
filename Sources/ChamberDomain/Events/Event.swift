import Foundation

public typealias EventID = Identifier<Event>

/// Something a chamber holds on a date: a breakfast, a gala, a webinar. Its seats are sold through its ticket types,
/// and its ``capacity`` holds over all of them.
public struct Event: Sendable, Equatable {
    public let id: EventID
    public let chamberID: ChamberID
    public var title: String
    public var description: String?
    public var startsAt: Date
    public var endsAt: Date
    /// The IANA zone the event is announced in (its times are instants; the zone says how to show them).
    public var timeZone: String
    public var format: EventFormat
    public var venue: String?
    /// Where a virtual or hybrid event is joined.
    public var virtualURL: String?
    public var visibility: EventVisibility
    /// The tiers that see it, when ``visibility`` is `tiers`.
    public var tierIDs: [TierID]
    /// Seats over every ticket type; nil for no limit.
    public var capacity: Int?
    /// Seats held by registrations that are confirmed, awaiting payment, or offered from the waitlist.
    public var seatsTaken: Int
    /// How long a waitlisted registrant has to take a seat offered to them.
    public var offerMinutes: Int
    /// How long a paid registration waits for its payment before its seats are released.
    public var paymentMinutes: Int
    /// Hours before the start after which a registrant can no longer cancel (nil: until the start).
    public var cancellationCutoffHours: Int?
    public var status: EventStatus
    public let createdBy: UserID
    public let createdAt: Date
    /// Raised by every write, so crossing edits are refused rather than lost.
    public var revision: Int
    /// The event's live room: a channel of kind `event` made with it.
    public var roomID: ChannelID?

    public init(
        id: EventID, chamberID: ChamberID, title: String, description: String? = nil, startsAt: Date, endsAt: Date, timeZone: String,
        format: EventFormat = .inPerson, venue: String? = nil, virtualURL: String? = nil, visibility: EventVisibility = .members,
        tierIDs: [TierID] = [], capacity: Int? = nil, seatsTaken: Int = 0, offerMinutes: Int = Event.defaultOfferMinutes,
        paymentMinutes: Int = Event.defaultPaymentMinutes, cancellationCutoffHours: Int? = nil, status: EventStatus = .draft,
        createdBy: UserID, createdAt: Date, revision: Int = 0, roomID: ChannelID? = nil
    ) {
        self.id = id
        self.chamberID = chamberID
        self.title = title
        self.description = description
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.timeZone = timeZone
        self.format = format
        self.venue = venue
        self.virtualURL = virtualURL
        self.visibility = visibility
        self.tierIDs = tierIDs
        self.capacity = capacity
        self.seatsTaken = seatsTaken
        self.offerMinutes = offerMinutes
        self.paymentMinutes = paymentMinutes
        self.cancellationCutoffHours = cancellationCutoffHours
        self.status = status
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.revision = revision
        self.roomID = roomID
    }

    public static let defaultOfferMinutes = 24 * 60
    public static let defaultPaymentMinutes = 60

    /// Whether the event is behind us: completed, or past its end.
    public func isOver(at date: Date) -> Bool { status == .completed || endsAt <= date }

    /// Seats still free, nil when there is no limit.
    public var seatsLeft: Int? { capacity.map { max(0, $0 - seatsTaken) } }
}

/// Where an event happens.
public enum EventFormat: String, Sendable, Codable, CaseIterable {
    case inPerson = "in_person"
    case virtual
    case hybrid
}

/// Who sees an event (and so who may register).
public enum EventVisibility: String, Sendable, Codable, CaseIterable {
    /// Anyone, in the chamber's public calendar too.
    case `public`
    /// Everyone with a role in the chamber.
    case members
    /// Members holding one of the event's tiers, and staff.
    case tiers
}

/// An event's life: drafted by staff, published to registrants, then cancelled or completed.
public enum EventStatus: String, Sendable, Codable, CaseIterable {
    case draft, published, cancelled, completed
}

/// The fields a client sends to create or change an event; on update `nil` leaves a field as it is, and
/// `clear` names optional fields to empty.
public struct EventInput: Sendable {
    public var title: String?
    public var description: String?
    public var startsAt: Date?
    public var endsAt: Date?
    public var timeZone: String?
    public var format: EventFormat?
    public var venue: String?
    public var virtualURL: String?
    public var visibility: EventVisibility?
    public var tierIDs: [TierID]?
    public var capacity: Int?
    public var offerMinutes: Int?
    public var paymentMinutes: Int?
    public var cancellationCutoffHours: Int?
    /// Optional fields to set to nothing: `description`, `venue`, `virtual_url`, `capacity`, `cancellation_cutoff_hours`.
    public var clear: Set<String>

    public init(
        title: String? = nil, description: String? = nil, startsAt: Date? = nil, endsAt: Date? = nil, timeZone: String? = nil,
        format: EventFormat? = nil, venue: String? = nil, virtualURL: String? = nil, visibility: EventVisibility? = nil, tierIDs: [TierID]? = nil,
        capacity: Int? = nil, offerMinutes: Int? = nil, paymentMinutes: Int? = nil, cancellationCutoffHours: Int? = nil, clear: Set<String> = []
    ) {
        self.title = title
        self.description = description
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.timeZone = timeZone
        self.format = format
        self.venue = venue
        self.virtualURL = virtualURL
        self.visibility = visibility
        self.tierIDs = tierIDs
        self.capacity = capacity
        self.offerMinutes = offerMinutes
        self.paymentMinutes = paymentMinutes
        self.cancellationCutoffHours = cancellationCutoffHours
        self.clear = clear
    }
}
