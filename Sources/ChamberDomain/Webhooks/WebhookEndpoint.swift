import Foundation

public typealias WebhookEndpointID = Identifier<WebhookEndpoint>

/// Where a chamber's own integrations (its accounting, its CRM) are told what happens: a URL, the events it takes,
/// and the secret every delivery to it is signed with.
public struct WebhookEndpoint: Sendable, Equatable {
    public let id: WebhookEndpointID
    public let chamberID: ChamberID
    public var url: String
    public var description: String?
    /// The events it takes; never empty.
    public var events: Set<WebhookEventType>
    /// A disabled endpoint is sent nothing new (what is queued already still goes).
    public var active: Bool
    /// `whsec_…`: the key of the deliveries' HMAC-SHA256 signature, shown to its admins.
    public let secret: String
    public let createdBy: UserID
    public let createdAt: Date

    public init(
        id: WebhookEndpointID, chamberID: ChamberID, url: String, description: String? = nil, events: Set<WebhookEventType>, active: Bool = true,
        secret: String, createdBy: UserID, createdAt: Date
    ) {
        self.id = id
        self.chamberID = chamberID
        self.url = url
        self.description = description
        self.events = events
        self.active = active
        self.secret = secret
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// What a chamber's webhooks tell, by the `type` of their body.
public enum WebhookEventType: String, Sendable, Codable, CaseIterable, Comparable {
    /// Money received on an invoice (a card, the desk, a transfer).
    case paymentSucceeded = "payment.succeeded"
    /// A card payment refused.
    case paymentFailed = "payment.failed"
    /// Money given back on an invoice.
    case paymentRefunded = "payment.refunded"
    /// An invoice issued (numbered, owed).
    case invoiceIssued = "invoice.issued"
    /// An invoice with nothing left owed.
    case invoicePaid = "invoice.paid"
    /// An invoice past its due date with something owed.
    case invoiceOverdue = "invoice.overdue"
    /// A membership moved to another status (active, grace, lapsed, suspended…).
    case membershipStatusChanged = "membership.status_changed"
    /// A membership lapsed (dues unpaid past grace); also told as a status change.
    case membershipLapsed = "membership.lapsed"
    /// An application submitted (again, after each answer to a request for information).
    case membershipApplied = "membership.applied"
    /// An application approved: a new member and business.
    case membershipApproved = "membership.approved"
    /// Someone registered for an event (confirmed, waiting to pay, or on the waitlist).
    case eventRegistered = "event.registered"
    /// A member reported a message to the moderators.
    case messageReported = "message.reported"
    /// Sent on request, to check an endpoint.
    case ping = "webhook.ping"

    public static func < (lhs: WebhookEventType, rhs: WebhookEventType) -> Bool { lhs.rawValue < rhs.rawValue }
}
