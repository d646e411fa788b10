import ChamberDomain
import Foundation

/// A notification as the socket carries it (`websocket.md` §5.20).
public struct WireNotification: Encodable, Sendable {
    public let id: String
    public let category: String
    /// A message's: absent for a notice.
    public let channelId: String?
    public let seq: Int64?
    public let messageId: String?
    public let actorId: String?
    /// A notice's: absent for a message.
    public let subject: WireNotificationSubject?
    public let title: String
    public let text: String
    public let count: Int
    public let createdAt: Date
    public let updatedAt: Date
    public let readAt: Date?

    public init(_ notification: ChamberDomain.Notification) {
        id = notification.id.rawValue
        category = notification.category.rawValue
        channelId = notification.channelID?.rawValue
        seq = notification.channelID == nil ? nil : notification.seq
        messageId = notification.messageID?.rawValue
        actorId = notification.actorID?.rawValue
        subject = notification.subject.map { WireNotificationSubject(kind: $0.kind.rawValue, id: $0.id) }
        title = notification.title
        text = notification.text
        count = notification.count
        createdAt = notification.createdAt
        updatedAt = notification.updatedAt
        readAt = notification.readAt
    }
}

/// What a notice is about: `invoice` (its id) or `membership` (the member's user id).
public struct WireNotificationSubject: Encodable, Sendable {
    public let kind: String
    public let id: String
}

/// A notification for this member was added or grew (§5.20).
public struct NotificationFrame: Encodable, Sendable {
    public let type = "notification"
    public let notification: WireNotification
    public let unreadCount: Int
}

/// Notifications of this member were read, here or on another device (§5.21).
public struct NotificationsReadFrame: Encodable, Sendable {
    public let type = "notifications_read"
    public let ids: [String]?
    public let all: Bool?
    public let unreadCount: Int
}
