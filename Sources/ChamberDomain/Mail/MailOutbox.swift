import Foundation

/// Where a mail in the outbox stands.
public enum MailStatus: String, Sendable, Equatable {
    /// Waiting to be handed to the relay, or to be tried again.
    case pending
    /// The relay accepted it.
    case sent
    /// Written to the log instead: the server has no relay configured.
    case recorded
    /// Given up on: the relay refused it for good, or every attempt failed.
    case failed
}

/// A mail in the outbox, and what became of it.
public struct MailDelivery: Sendable, Equatable {
    public let id: String
    public let mail: Mail
    public let status: MailStatus
    /// Attempts made, the one in progress included once claimed.
    public let attempts: Int
    public let lastError: String?

    public init(id: String, mail: Mail, status: MailStatus, attempts: Int, lastError: String?) {
        self.id = id
        self.mail = mail
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
    }
}

/// How one attempt ended, as the outbox records it.
public enum MailResult: Sendable, Equatable {
    case sent
    case recorded
    case retry(at: Date, error: String)
    case failed(error: String)
}

/// Every mail the system sends: queued by the services (``Mailer``), sent by workers on any node, kept for support.
/// A mail is claimed for a lease, so a node that dies mid-send leaves it to another once the lease ends.
public protocol MailOutboxStore: Sendable {
    /// Queues `mail`, due at once.
    func record(_ mail: Mail, at: Date) async throws
    /// Claims up to `limit` mails due at `instant` that no live lease holds, for `lease` seconds under `claim`,
    /// counting the attempt.
    func claim(limit: Int, at instant: Date, lease: TimeInterval, claim: String) async throws -> [MailDelivery]
    /// Extends the lease of the mails `claim` still holds to `until`.
    func renew(claim: String, until: Date) async throws
    /// Ends or reschedules mails `claim` still holds, in one transaction.
    func finish(_ results: [(id: String, result: MailResult)], claim: String, at instant: Date) async throws
    /// When the earliest pending mail is due (a claimed one: when its lease ends), if any.
    func nextDue() async throws -> Date?
    /// The newest mails to `address`, newest first, with what became of them.
    func deliveries(to address: String, limit: Int) async throws -> [MailDelivery]
    /// Forgets mails that ended before `instant`; returns how many.
    func prune(finishedBefore instant: Date) async throws -> Int
}

/// What a relay said to one mail.
public enum MailOutcome: Sendable, Equatable {
    /// Accepted for delivery.
    case accepted
    /// Not sent anywhere, written to the log (no relay configured).
    case recorded
    /// Try again later: the relay unreachable, busy, or answering 4xx.
    case failedForNow(String)
    /// Refused for good (5xx, a certificate nobody trusts, credentials refused): retrying cannot help.
    case rejected(String)
}

/// Hands one mail to a relay.
public protocol MailTransport: Sendable {
    /// Never throws: every failure is an outcome.
    func deliver(_ mail: Mail) async -> MailOutcome
}
