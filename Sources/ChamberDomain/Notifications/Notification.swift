import Foundation

public typealias NotificationID = Identifier<Notification>

/// One entry of a member's in-app feed: a message that concerns them, or a burst of messages in one channel grown
/// into one entry (`count`, and the newest message's details); or a ``Notice``, which names its `subject` and no
/// channel, message or author.
public struct Notification: Sendable, Equatable {
    public let id: NotificationID
    public let chamberID: ChamberID
    public let userID: UserID
    public let category: NotificationCategory
    /// The channel of the messages; nil for a notice.
    public let channelID: ChannelID?
    /// The newest message's sequence number (0 for a notice), id and author.
    public var seq: Int64
    public var messageID: MessageID?
    public var actorID: UserID?
    /// What a notice is about; nil for messages.
    public let subject: NotificationSubject?
    /// The author's name (direct channels) or the channel's; a notice's heading.
    public var title: String
    /// The newest message's first ``textLimit`` characters; a notice's detail.
    public var text: String
    public var count: Int
    public let createdAt: Date
    public var updatedAt: Date
    public var readAt: Date?

    public init(
        id: NotificationID, chamberID: ChamberID, userID: UserID, category: NotificationCategory, channelID: ChannelID?, seq: Int64,
        messageID: MessageID?, actorID: UserID?, subject: NotificationSubject? = nil, title: String, text: String, count: Int, createdAt: Date,
        updatedAt: Date, readAt: Date? = nil
    ) {
        self.id = id
        self.chamberID = chamberID
        self.userID = userID
        self.category = category
        self.channelID = channelID
        self.seq = seq
        self.messageID = messageID
        self.actorID = actorID
        self.subject = subject
        self.title = title
        self.text = text
        self.count = count
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.readAt = readAt
    }

    /// A notice's entry in the feed, new and unread, under the notice's id: made when its change was, in the feed
    /// (``updatedAt``) from when it is recorded.
    public init(_ notice: Notice, recordedAt instant: Date) {
        self.init(
            id: notice.id, chamberID: notice.chamberID, userID: notice.userID, category: notice.category, channelID: nil, seq: 0, messageID: nil,
            actorID: nil, subject: notice.subject, title: notice.title, text: String(notice.text.prefix(Self.textLimit)), count: 1,
            createdAt: notice.createdAt, updatedAt: instant)
    }

    public static let textLimit = 200
    /// An unread notification of the same member, channel and category younger than this grows instead of a new one.
    public static let collapseWindow: TimeInterval = 600
}

/// What the fan-out tells one member of one channel: `count` messages, the newest described, in their in-app feed,
/// by push to their devices, or both.
public struct FeedAddition: Sendable, Equatable {
    public let userID: UserID
    public let category: NotificationCategory
    public let channelID: ChannelID
    public let newest: Message
    public let title: String
    public let count: Int
    /// Whether it goes into the member's feed.
    public let inApp: Bool
    /// Whether, and how, it is pushed to the member's devices.
    public let push: PushAddition?
    /// When an e-mail listing it is due, if the member wants one.
    public let emailDue: Date?

    public init(
        userID: UserID, category: NotificationCategory, channelID: ChannelID, newest: Message, title: String, count: Int, inApp: Bool = true,
        push: PushAddition? = nil, emailDue: Date? = nil
    ) {
        self.userID = userID
        self.category = category
        self.channelID = channelID
        self.newest = newest
        self.title = title
        self.count = count
        self.inApp = inApp
        self.push = push
        self.emailDue = emailDue
    }
}

/// What a push of a ``FeedAddition`` needs beyond the feed's details.
public struct PushAddition: Sendable, Equatable {
    public let actorName: String
    public let preview: Bool
    public let urgent: Bool

    public init(actorName: String, preview: Bool, urgent: Bool) {
        self.actorName = actorName
        self.preview = preview
        self.urgent = urgent
    }
}

/// What a fan-out transaction recorded: the feed entries as they now stand, and the push jobs it queued.
public struct RecordedNotifications: Sendable, Equatable {
    public var changes: [FeedChange]
    /// Jobs queued or grown for any worker to claim.
    public var pushesQueued: Int
    /// Jobs written under the transaction's claim, ready to send.
    public var claimedPushes: [ClaimedPush]

    public init(changes: [FeedChange] = [], pushesQueued: Int = 0, claimedPushes: [ClaimedPush] = []) {
        self.changes = changes
        self.pushesQueued = pushesQueued
        self.claimedPushes = claimedPushes
    }
}

/// A notification as it now stands, with its member's unread count: what their sockets are told.
public struct FeedChange: Sendable, Equatable {
    public let notification: Notification
    public let unreadCount: Int

    public init(notification: Notification, unreadCount: Int) {
        self.notification = notification
        self.unreadCount = unreadCount
    }
}

/// Which notifications a member marks read.
public enum FeedReadSelection: Sendable, Equatable {
    case ids([NotificationID])
    case all
}
