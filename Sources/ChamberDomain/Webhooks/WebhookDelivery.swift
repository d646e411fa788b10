import Foundation

/// Where one event's delivery to one endpoint stands.
public enum WebhookDeliveryStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for its first attempt or its next.
    case pending
    /// The endpoint answered 2xx.
    case delivered
    /// Every attempt failed; an admin may send it again.
    case failed
}

/// One event queued for one endpoint (the outbox's row), and what became of it.
public struct WebhookDelivery: Sendable, Equatable {
    public let id: String
    public let endpointID: WebhookEndpointID
    public let chamberID: ChamberID
    public let eventID: String
    public let type: WebhookEventType
    /// The body, byte for byte as signed and sent on every attempt.
    public let body: String
    /// Where it goes and the key it is signed with, as the endpoint had them when it was claimed.
    public let url: String
    public let secret: String
    public let status: WebhookDeliveryStatus
    /// Attempts made, the one in progress included once claimed.
    public let attempts: Int
    /// The last attempt's HTTP status, if it got one.
    public let lastStatusCode: Int?
    public let lastError: String?
    public let createdAt: Date
    /// When the next attempt is due (pending), or when it ended.
    public let nextAttemptAt: Date?
    public let finishedAt: Date?

    public init(
        id: String, endpointID: WebhookEndpointID, chamberID: ChamberID, eventID: String, type: WebhookEventType, body: String, url: String,
        secret: String, status: WebhookDeliveryStatus, attempts: Int, lastStatusCode: Int?, lastError: String?, createdAt: Date,
        nextAttemptAt: Date?, finishedAt: Date?
    ) {
        self.id = id
        self.endpointID = endpointID
        self.chamberID = chamberID
        self.eventID = eventID
        self.type = type
        self.body = body
        self.url = url
        self.secret = secret
        self.status = status
        self.attempts = attempts
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.finishedAt = finishedAt
    }
}

/// What one attempt came to, as the transport saw it.
public enum WebhookOutcome: Sendable, Equatable {
    /// A 2xx answer.
    case delivered(statusCode: Int)
    /// Anything else: another status (`statusCode`), no answer, a timeout. `retryAfter` from a 429 or 503.
    case failed(statusCode: Int?, error: String, retryAfter: TimeInterval?)
}

/// How one attempt ended, as the outbox records it.
public enum WebhookResult: Sendable, Equatable {
    case delivered(statusCode: Int)
    case retry(at: Date, statusCode: Int?, error: String)
    case failed(statusCode: Int?, error: String)
}
