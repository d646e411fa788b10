import Foundation

/// What a push says, the same for every provider; each client writes it in its provider's format.
public struct PushMessage: Sendable, Equatable {
    public var title: String
    public var body: String
    /// The member's unread notifications in the chamber.
    public var badge: Int
    /// Pushes with the same key replace each other on the device: one per channel (APNs `apns-collapse-id`, FCM
    /// `collapse_key`, Web Push `Topic`). 32 hex digits, within every provider's limit.
    public var collapseKey: String
    /// High priority: wakes the device at once (direct messages, mentions, urgent announcements).
    public var highPriority: Bool
    /// Deep-link data the app opens: `chamber_id`, `channel_id`, `seq`, `message_id`, `category`, `push_id`; for a
    /// notice `chamber_id`, `category`, `subject_kind`, `subject_id`, `push_id`.
    public var data: [String: String]
    /// After this the provider drops an undelivered push.
    public var expiresAt: Date

    public init(
        title: String, body: String, badge: Int, collapseKey: String, highPriority: Bool, data: [String: String], expiresAt: Date
    ) {
        self.title = title
        self.body = body
        self.badge = badge
        self.collapseKey = collapseKey
        self.highPriority = highPriority
        self.data = data
        self.expiresAt = expiresAt
    }

    /// How long a push waits for an unreachable device: a day, after which the in-app feed tells it better.
    public static let lifetime: TimeInterval = 86_400

    /// The push for a claimed job. Without preview the text never leaves the server: "New message from Ada".
    public init(_ claimed: ClaimedPush, at instant: Date) {
        let job = claimed.job
        guard let channelID = job.channelID else {
            self.init(notice: claimed)
            return
        }
        let direct = job.category == .directMessages
        var body: String
        if job.count > 1 {
            body = direct ? "\(job.count) new messages from \(job.actorName)" : "\(job.count) new messages in \(job.title)"
            if job.preview { body += "\n\(job.actorName): \(job.text)" }
        } else if job.preview {
            body = direct ? job.text : "\(job.actorName): \(job.text)"
        } else {
            body = direct || job.title.isEmpty ? "New message from \(job.actorName)" : "New message from \(job.actorName) in \(job.title)"
        }
        self.init(
            title: job.title, body: body, badge: claimed.unreadCount,
            collapseKey: Self.collapseKey(channelID.rawValue),
            highPriority: job.urgent || job.category == .directMessages || job.category == .mentions,
            data: [
                "chamber_id": job.chamberID.rawValue, "channel_id": channelID.rawValue, "seq": String(job.seq),
                "message_id": job.messageID?.rawValue ?? "", "category": job.category.rawValue, "push_id": job.id.rawValue,
            ],
            expiresAt: job.createdAt.addingTimeInterval(Self.lifetime))
    }

    /// A notice's push: its heading, and its detail with preview ("A notice about your invoice" without). One collapse
    /// key per subject: a reminder replaces the invoice's earlier push on the phone; a membership's is the chamber's
    /// and the member's together (one phone, many chambers).
    private init(notice claimed: ClaimedPush) {
        let job = claimed.job
        let kind = job.subject?.kind ?? .membership
        self.init(
            title: job.title, body: job.preview ? job.text : "A notice about your \(kind.rawValue)", badge: claimed.unreadCount,
            collapseKey: kind == .membership ? Self.membershipKey(job.chamberID, job.userID) : Self.collapseKey(job.subject?.id ?? job.id.rawValue),
            highPriority: job.urgent,
            data: [
                "chamber_id": job.chamberID.rawValue, "category": job.category.rawValue, "subject_kind": kind.rawValue,
                "subject_id": job.subject?.id ?? "", "push_id": job.id.rawValue,
            ],
            expiresAt: job.createdAt.addingTimeInterval(Self.lifetime))
    }

    /// A member's membership of one chamber: the random last halves of the two ids (UUIDs), 32 hex digits.
    private static func membershipKey(_ chamber: ChamberID, _ user: UserID) -> String {
        String(collapseKey(chamber.rawValue).suffix(16) + collapseKey(user.rawValue).suffix(16))
    }

    /// An id (a UUID) without its dashes: 32 hex digits.
    private static func collapseKey(_ id: String) -> String {
        // Not Foundation's replacingOccurrences: bridged through NSString, it cost 3 % of the CPU of an announcement's pushes.
        String(String.UnicodeScalarView(id.unicodeScalars.filter { $0 != "-" }))
    }
}
