import Foundation

public typealias RegistrationID = Identifier<Registration>

/// A place at an event for one registrant and their guests, from the waitlist to the door.
public struct Registration: Sendable, Equatable {
    public let id: RegistrationID
    public let eventID: EventID
    public let chamberID: ChamberID
    /// The account that registered; nil for a walk-in registered at the door by staff.
    public let userID: UserID?
    /// Who made it: the registrant, or the staff member at the door. A retried key is looked up under them.
    public let registeredBy: UserID
    /// The registrant's name as the door list shows it.
    public var name: String
    public var ticketTypeID: TicketTypeID
    /// The guests' names, each holding a seat (or a table's seats, which hold them all).
    public var guests: [String]
    /// Seats held while the registration holds any.
    public var seats: Int
    /// What it costs in all, in the smallest unit of the chamber's currency, any discount taken off.
    public var amountCents: Int
    /// The discount code it was made with, which it holds a use of while it is open.
    public var discountCodeID: DiscountCodeID?
    /// That code as the registrant typed it (in capitals).
    public var discountCode: String?
    public var status: RegistrationStatus
    /// The client's key for this registration: a retry with the same key answers the same registration.
    public let idempotencyKey: String?
    public let createdAt: Date
    /// When it joined the waitlist: the order in which freed seats are offered.
    public var waitlistedAt: Date?
    public var offerExpiresAt: Date?
    public var paymentDueAt: Date?
    public var paidAt: Date?
    public var paymentReference: String?
    public var cancelledAt: Date?
    /// The random part of the check-in code (``CheckInCode``).
    public let checkInToken: String
    public var checkedInAt: Date?
    public var checkedInBy: UserID?
    public var walkIn: Bool
    /// The invoice billing it, for a paid registration of a member (walk-ins pay at the door).
    public var invoiceID: InvoiceID?
    public var revision: Int

    public init(
        id: RegistrationID, eventID: EventID, chamberID: ChamberID, userID: UserID?, registeredBy: UserID, name: String, ticketTypeID: TicketTypeID,
        guests: [String] = [], seats: Int, amountCents: Int, discountCodeID: DiscountCodeID? = nil, discountCode: String? = nil,
        status: RegistrationStatus, idempotencyKey: String? = nil, createdAt: Date,
        waitlistedAt: Date? = nil, offerExpiresAt: Date? = nil, paymentDueAt: Date? = nil, paidAt: Date? = nil, paymentReference: String? = nil,
        cancelledAt: Date? = nil, checkInToken: String, checkedInAt: Date? = nil, checkedInBy: UserID? = nil, walkIn: Bool = false,
        invoiceID: InvoiceID? = nil, revision: Int = 0
    ) {
        self.id = id
        self.eventID = eventID
        self.chamberID = chamberID
        self.userID = userID
        self.registeredBy = registeredBy
        self.name = name
        self.ticketTypeID = ticketTypeID
        self.guests = guests
        self.seats = seats
        self.amountCents = amountCents
        self.discountCodeID = discountCodeID
        self.discountCode = discountCode
        self.status = status
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
        self.waitlistedAt = waitlistedAt
        self.offerExpiresAt = offerExpiresAt
        self.paymentDueAt = paymentDueAt
        self.paidAt = paidAt
        self.paymentReference = paymentReference
        self.cancelledAt = cancelledAt
        self.checkInToken = checkInToken
        self.checkedInAt = checkedInAt
        self.checkedInBy = checkedInBy
        self.walkIn = walkIn
        self.invoiceID = invoiceID
        self.revision = revision
    }

    /// Confirms a registration awaiting payment as paid at `date`; false (and unchanged) in any other status.
    public mutating func confirmPaid(at date: Date, reference: String?) -> Bool {
        guard status == .pendingPayment else { return false }
        status = .confirmed
        paidAt = date
        paymentDueAt = nil
        paymentReference = reference
        return true
    }
}

/// Where a registration stands.
///
/// ```
/// waitlisted ──seat frees──▶ offered ──accepted──▶ pending_payment ──paid──▶ confirmed
///      │                        │                        │                      │
///      └──── cancelled ◀────────┴── expired (no answer / unpaid by the deadline) ┘ (cancelled)
/// ```
/// A free registration skips `pending_payment`; one with seats left skips the waitlist.
public enum RegistrationStatus: String, Sendable, Codable, CaseIterable {
    case waitlisted
    /// A freed seat is held for this registrant until ``Registration/offerExpiresAt``.
    case offered
    /// Seats held until ``Registration/paymentDueAt``.
    case pendingPayment = "pending_payment"
    case confirmed
    case cancelled
    /// An offer not taken, or a registration not paid, in time.
    case expired

    /// Whether a registration in this status holds its seats.
    public var holdsSeats: Bool { self == .offered || self == .pendingPayment || self == .confirmed }

    /// Whether it is still the registrant's place at the event (one per account and event).
    public var isOpen: Bool { self != .cancelled && self != .expired }
}
