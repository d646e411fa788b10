import ChamberDomain
import Foundation

// The frames the server sends, protocol v1. Each is documented in Protocol/websocket.md with a JSON Schema
// in Protocol/schemas/ and an example in Protocol/examples/.

/// A message as clients see it.
public struct WireMessage: Encodable, Sendable {
    public let id: String
    public let channelId: String
    public let seq: Int64
    public let senderId: String
    public let clientMessageId: String
    public let body: String
    public let replyTo: String?
    public let mentions: [String]
    public let attachments: [WireAttachment]
    public let data: JSONValue?
    public let reactions: [String: [String]]
    public let createdAt: Date
    public let editedAt: Date?
    public let deletedAt: Date?
    /// `true` on an urgent announcement; absent otherwise.
    public let urgent: Bool?

    public init(_ message: Message) {
        id = message.id.rawValue
        channelId = message.channelID.rawValue
        seq = message.seq
        senderId = message.senderID.rawValue
        clientMessageId = message.clientMessageID
        body = message.body
        replyTo = message.replyTo?.rawValue
        mentions = message.mentions.map(\.rawValue)
        attachments = message.attachments.map(WireAttachment.init)
        data = message.data
        reactions = message.reactions.mapValues { $0.map(\.rawValue) }
        createdAt = message.createdAt
        editedAt = message.editedAt
        deletedAt = message.deletedAt
        urgent = message.urgent ? true : nil
    }
}

public struct WireAttachment: Encodable, Sendable {
    public let url: String
    public let contentType: String
    public let size: Int64
    public let name: String?
    init(_ attachment: Attachment) {
        url = attachment.url
        contentType = attachment.contentType
        size = attachment.size
        name = attachment.name
    }
}

/// A channel as clients see it.
public struct WireChannel: Encodable, Sendable {
    public let id: String
    public let kind: String
    public let name: String?
    public let topic: String?
    public let eventId: String?
    public let createdBy: String
    public let createdAt: Date
    public let archivedAt: Date?
    public let lastSeq: Int64
    public let lockedAt: Date?
    public let slowModeSeconds: Int

    public init(_ channel: Channel) {
        id = channel.id.rawValue
        kind = channel.kind.rawValue
        name = channel.name
        topic = channel.topic
        eventId = channel.eventID
        createdBy = channel.createdBy.rawValue
        createdAt = channel.createdAt
        archivedAt = channel.archivedAt
        lastSeq = channel.lastSeq
        lockedAt = channel.lockedAt
        slowModeSeconds = channel.slowModeSeconds
    }
}

/// One entry of the caller's channel list.
public struct WireChannelSummary: Encodable, Sendable {
    public let channel: WireChannel
    public let role: String?
    public let lastReadSeq: Int64
    public let unreadCount: Int
    public let lastMessage: WireMessage?
    public let peerId: String?

    public init(_ summary: ChannelSummary) {
        channel = WireChannel(summary.channel)
        role = summary.membership?.role.rawValue
        lastReadSeq = summary.membership?.lastReadSeq ?? 0
        unreadCount = summary.unreadCount
        lastMessage = summary.lastMessage.map(WireMessage.init)
        peerId = summary.peerID?.rawValue
    }
}

/// The frames of the channel stream: each carries the channel's sequence number.
public struct EventFrame: Encodable, Sendable {
    public let type: String
    public let channelId: String
    public let seq: Int64
    public let message: WireMessage?
    public let messageId: String?
    public let userId: String?
    public let emoji: String?
    public let added: Bool?

    public init(_ event: ChannelEvent) {
        type = event.kind
        channelId = event.channelID.rawValue
        seq = event.seq
        switch event.body {
        case .message(let message), .edited(let message), .deleted(let message):
            self.message = WireMessage(message)
            messageId = nil
            userId = nil
            emoji = nil
            added = nil
        case .reaction(let messageID, let userID, let emoji, let added):
            message = nil
            messageId = messageID.rawValue
            userId = userID.rawValue
            self.emoji = emoji
            self.added = added
        }
    }
}

/// Sent once authentication succeeds.
public struct WelcomeFrame: Encodable, Sendable {
    public let type = "welcome"
    public let id: String?
    public let `protocol` = 1
    public let connectionId: String
    public let userId: String
    public let chamberId: String
    public let role: String
    public let tokenExpiresAt: Date
    public let limits: Limits

    public struct Limits: Encodable, Sendable {
        public let maxFrameBytes: Int
        public let maxBodyLength: Int
        public let inboundFramesPerSecond: Int
        public let outboundQueueBytes: Int
        public let typingTtlMs: Int
    }
}

/// The answer to a `send`.
public struct AckFrame: Encodable, Sendable {
    public let type = "ack"
    public let id: String?
    public let channelId: String
    public let clientMessageId: String
    public let status: String
    public let messageId: String?
    public let seq: Int64?
    public let duplicate: Bool
    public let reason: String?
    /// The published body, when moderation changed what was sent (the sender must see what others see).
    public let body: String?
    /// The moderation rules that changed it; omitted when unknown (a retry of an earlier send).
    public let changedBy: [String]?

    public init(
        id: String?, channelId: String, clientMessageId: String, status: String, messageId: String?, seq: Int64?, duplicate: Bool,
        reason: String?, rewrite: Rewrite? = nil
    ) {
        self.id = id
        self.channelId = channelId
        self.clientMessageId = clientMessageId
        self.status = status
        self.messageId = messageId
        self.seq = seq
        self.duplicate = duplicate
        self.reason = reason
        self.body = rewrite?.body
        self.changedBy = rewrite?.reportedRules
    }
}

/// A failed request, or a refused frame.
public struct ErrorFrame: Encodable, Sendable {
    public let type = "error"
    public let id: String?
    public let code: String
    public let message: String
    public let field: String?
    /// When a retry may succeed (rate limits, slow mode, a mute with an end).
    public let retryAfterSeconds: Int?

    public init(id: String?, _ error: ChamberError) {
        self.id = id
        code = error.code.rawValue
        message = error.message
        field = error.field
        retryAfterSeconds = error.retryAfterSeconds
    }
}

/// The answer to a `subscribe`, after any recovered events.
public struct SubscribedFrame: Encodable, Sendable {
    public let type = "subscribed"
    public let id: String?
    public let channelId: String
    public let lastSeq: Int64
    public let recovered: Int
}

/// Too much was missed to replay: refetch history up to `latest_seq`. Live events follow from there.
public struct RecoveryIncompleteFrame: Encodable, Sendable {
    public let type = "recovery_incomplete"
    public let channelId: String
    public let latestSeq: Int64
}

public struct HistoryFrame: Encodable, Sendable {
    public let type = "history"
    public let id: String?
    public let channelId: String
    public let messages: [WireMessage]
}

public struct ChannelsFrame: Encodable, Sendable {
    public let type = "channels"
    public let id: String?
    public let items: [WireChannelSummary]
}

public struct ChannelFrame: Encodable, Sendable {
    public let type = "channel"
    public let id: String?
    public let channel: WireChannel
}

/// A generic success for requests that return nothing else.
public struct OkFrame: Encodable, Sendable {
    public let type = "ok"
    public let id: String?
    public let seq: Int64?
    /// For an `edit` that moderation changed: the published body and the rules that changed it.
    public let body: String?
    public let changedBy: [String]?

    public init(id: String?, seq: Int64?, rewrite: Rewrite? = nil) {
        self.id = id
        self.seq = seq
        self.body = rewrite?.body
        self.changedBy = rewrite?.reportedRules
    }
}

public struct PongFrame: Encodable, Sendable {
    public let type = "pong"
    public let id: String?
}

/// Someone is typing; clients hide it after `expires_in_ms` unless renewed.
public struct TypingFrame: Encodable, Sendable {
    public let type = "typing"
    public let channelId: String
    public let userId: String
    public let expiresInMs: Int
}

/// A reader's position moved; the reader's own devices also get their unread count.
public struct ReceiptFrame: Encodable, Sendable {
    public let type = "receipt"
    public let id: String?
    public let channelId: String
    public let userId: String
    public let seq: Int64
    public let unreadCount: Int?
}

/// Presence changes in the chamber, batched. Small chambers get who changed; large ones only the count.
public struct PresenceFrame: Encodable, Sendable {
    public struct Entry: Encodable, Sendable {
        public let userId: String
        public let status: String
    }
    public let type = "presence"
    public let id: String?
    public let channelId: String?
    public let onlineCount: Int
    public let users: [Entry]?
    public let nextCursor: String?
}

/// The caller's channel list changed (joined, removed, archived): refetch with `channels`.
public struct ChannelChangedFrame: Encodable, Sendable {
    public let type = "channel_changed"
    public let channelId: String
}
