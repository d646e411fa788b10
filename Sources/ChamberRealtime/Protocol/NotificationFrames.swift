import ChamberDomain
import Foundation

/// A notification as the socket carries it (`websocket.md` §5.20).
public struct WireNotification: Encodable, Sendable {
    public let id: String
    public let category: String
    public let channelId: String
    public let seq: Int64
    public let messageId: String
    public let actorId: String
    public let title: String
    public let text: String
    public let count: Int
    public let createdAt: Date
    public let updatedAt: Date
    public let readAt: Date?

    public init(_ notification: ChamberDomain.Notification) {
        id = notification.id.rawValue
        category = notification.category.rawValue
        channelId = notification.channelID.rawValue
        seq = notification.seq
        messageId = notification.messageID.rawValue
        actorId = notification.actorID.rawValue
        title = notification.title
        text = notification.text
        count = notification.count
        createdAt = notification.createdAt
        updatedAt = notification.updatedAt
        readAt = notification.readAt
    }
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
