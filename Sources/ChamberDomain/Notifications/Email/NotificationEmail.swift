import Foundation

/// An e-mail owed to a member of a chamber: it lists their unread notifications grown since `since`, and is due at
/// a moment set by the first notification that asked for it (their digest's interval, or at once).
public struct OwedNotificationEmail: Sendable, Equatable {
    public let chamberID: ChamberID
    public let userID: UserID
    /// Notifications updated from this moment on are the mail's.
    public let since: Date
    /// How many times notifications asked for it, when it was claimed: more since means more is owed after this mail.
    public let generation: Int64

    public init(chamberID: ChamberID, userID: UserID, since: Date, generation: Int64) {
        self.chamberID = chamberID
        self.userID = userID
        self.since = since
        self.generation = generation
    }
}

/// E-mails owed to members, across chambers. The fan-out records them in its own transaction (one row per member
/// and chamber, due at the earliest moment any notification asked for); workers on any node claim due ones by lease.
public protocol NotificationEmailStore: Sendable {
    /// Claims up to `limit` owed e-mails due at `instant` that no live lease holds, for `lease` seconds.
    func claim(limit: Int, at instant: Date, lease: TimeInterval, claim: String) async throws -> [OwedNotificationEmail]
    /// In one transaction: settles the owed e-mail (gone, or, when a notification asked for e-mail after the claim,
    /// owed again from that notification on, due when it asked) and queues `mail` (if any) in the mail outbox;
    /// nothing when the claim was lost (its lease ran out and another worker has it).
    func settle(_ owed: OwedNotificationEmail, mail: Mail?, claim: String, at instant: Date) async throws
    /// When the earliest owed e-mail is due (a claimed one: when its lease ends), if any.
    func nextDue() async throws -> Date?
}

extension NotificationDecision.Email {
    /// When the e-mail this asks for is due: `immediateDelay` after `instant` for one to send at once (a burst
    /// meanwhile goes into the same mail), the end of quiet hours, or an hour or a day after `instant` for a digest.
    public func due(at instant: Date, digest: EmailDigest, immediateDelay: TimeInterval) -> Date {
        switch self {
        case .now: instant.addingTimeInterval(immediateDelay)
        case .after(let end): max(end, instant.addingTimeInterval(immediateDelay))
        case .inDigest: instant.addingTimeInterval(digest == .daily ? 86_400 : 3_600)
        }
    }
}
