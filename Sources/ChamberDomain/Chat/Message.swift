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
    public var attachments: [Attachment]
    /// Structured data the sender attached (a JSON object), forwarded unchanged.
    public var data: JSONValue?
    /// Emoji → users who reacted with it.
    public var reactions: [String: [UserID]]
    public let createdAt: Date
    public var editedAt: Date?
    public var deletedAt: Date?
    /// An announcement its sender marked urgent: it passes members' quiet hours and is pushed at high priority.
    public let urgent: Bool

    public init(
        id: MessageID, chamberID: ChamberID, channelID: ChannelID, seq: Int64, senderID: UserID, clientMessageID: String, body: String,
        replyTo: MessageID?, mentions: [UserID], attachments: [Attachment], data: JSONValue? = nil, reactions: [String: [UserID]] = [:],
        createdAt: Date, editedAt: Date? = nil, deletedAt: Date? = nil, urgent: Bool = false
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
        self.urgent = urgent
    }

    private enum CodingKeys: String, CodingKey {
        case id, chamberID, channelID, seq, senderID, clientMessageID, body, replyTo, mentions, attachments, data, reactions, createdAt,
            editedAt, deletedAt, urgent
    }

    // Written by hand for one reason: events stored before `urgent` existed have no such key, and mean `false`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(MessageID.self, forKey: .id)
        chamberID = try container.decode(ChamberID.self, forKey: .chamberID)
        channelID = try container.decode(ChannelID.self, forKey: .channelID)
        seq = try container.decode(Int64.self, forKey: .seq)
        senderID = try container.decode(UserID.self, forKey: .senderID)
        clientMessageID = try container.decode(String.self, forKey: .clientMessageID)
        body = try container.decode(String.self, forKey: .body)
        replyTo = try container.decodeIfPresent(MessageID.self, forKey: .replyTo)
        mentions = try container.decode([UserID].self, forKey: .mentions)
        attachments = try container.decode([Attachment].self, forKey: .attachments)
        data = try container.decodeIfPresent(JSONValue.self, forKey: .data)
        reactions = try container.decode([String: [UserID]].self, forKey: .reactions)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        editedAt = try container.decodeIfPresent(Date.self, forKey: .editedAt)
        deletedAt = try container.decodeIfPresent(Date.self, forKey: .deletedAt)
        urgent = try container.decodeIfPresent(Bool.self, forKey: .urgent) ?? false
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
    /// An urgent announcement (only announcement channels take it).
    public var urgent: Bool

    public init(
        clientMessageID: String, body: String, replyTo: MessageID? = nil, attachments: [Attachment] = [], data: JSONValue? = nil,
        urgent: Bool = false
    ) {
        self.clientMessageID = clientMessageID
        self.body = body
        self.replyTo = replyTo
        self.attachments = attachments
        self.data = data
        self.urgent = urgent
    }
}
