import Foundation

/// A file attached to a message: metadata only, the bytes live elsewhere.
public struct Attachment: Sendable, Equatable, Codable {
    public let url: String
    public let contentType: String
    public let size: Int64
    public let name: String?

    public init(url: String, contentType: String, size: Int64, name: String?) {
        self.url = url
        self.contentType = contentType
        self.size = size
        self.name = name
    }
}

/// A chat message in its current state.
public struct Message: Sendable, Equatable, Codable {
    public let id: MessageID
    public let chamberID: ChamberID
    public let channelID: ChannelID
    /// The channel sequence number the message was published at.
    public let seq: Int64
    public let senderID: UserID
    /// The sender's own id for the send, so a retried send is recognized.
    public let clientMessageID: String
    public var body: String
    public let replyTo: MessageID?
    public var mentions: [UserID]
    public let attachments: [Attachment]
    /// Structured data the sender attached (a JSON object), forwarded unchanged.
    public var data: JSONValue?
    /// Emoji → users who reacted with it.
    public var reactions: [String: [UserID]]
    public let createdAt: Date
    public var editedAt: Date?
    public var deletedAt: Date?

    public init(
        id: MessageID, chamberID: ChamberID, channelID: ChannelID, seq: Int64, senderID: UserID, clientMessageID: String, body: String,
        replyTo: MessageID?, mentions: [UserID], attachments: [Attachment], data: JSONValue? = nil, reactions: [String: [UserID]] = [:],
        createdAt: Date, editedAt: Date? = nil, deletedAt: Date? = nil
    ) {
        self.id = id
        self.chamberID = chamberID
        self.channelID = channelID
        self.seq = seq
        self.senderID = senderID
        self.clientMessageID = clientMessageID
        self.body = body
        self.replyTo = replyTo
        self.mentions = mentions
        self.attachments = attachments
        self.data = data
        self.reactions = reactions
        self.createdAt = createdAt
        self.editedAt = editedAt
        self.deletedAt = deletedAt
    }
}

/// Something that happened in a channel, at a sequence number. The channel's stream of events is gapless:
/// a reader that has seen sequence `n` has missed exactly the events `n+1 ... lastSeq`.
public struct ChannelEvent: Sendable, Equatable, Codable {
    public enum Body: Sendable, Equatable, Codable {
        case message(Message)
        case edited(Message)
        case deleted(Message)
        case reaction(messageID: MessageID, userID: UserID, emoji: String, added: Bool)
    }

    public let chamberID: ChamberID
    public let channelID: ChannelID
    public let seq: Int64
    public let at: Date
    public let body: Body

    public init(chamberID: ChamberID, channelID: ChannelID, seq: Int64, at: Date, body: Body) {
        self.chamberID = chamberID
        self.channelID = channelID
        self.seq = seq
        self.at = at
        self.body = body
    }

    /// A stable name of the kind, as stored.
    public var kind: String {
        switch body {
        case .message: "message"
        case .edited: "message_edited"
        case .deleted: "message_deleted"
        case .reaction: "reaction"
        }
    }
}

/// What a sender asks to publish.
public struct MessageDraft: Sendable, Equatable {
    public var clientMessageID: String
    public var body: String
    public var replyTo: MessageID?
    public var attachments: [Attachment]
    /// Structured data for the application (a JSON object), at most ``ChatLimits/maxDataBytes`` encoded.
    public var data: JSONValue?

    public init(clientMessageID: String, body: String, replyTo: MessageID? = nil, attachments: [Attachment] = [], data: JSONValue? = nil) {
        self.clientMessageID = clientMessageID
        self.body = body
        self.replyTo = replyTo
        self.attachments = attachments
        self.data = data
    }
}
