import ChamberDomain
import Foundation

// Writing messages: send, edit, delete, react.

/// `send`: posts a message; answered with `ack` (websocket.md §4.7).
public struct SendRequest: ClientRequest {
    public static let kind = ClientRequestKind.send
    public let channelId: String
    public let message: MessageInput

    enum CodingKeys: String, CodingKey { case channelId = "channel_id" }

    public init(from decoder: any Decoder) throws {
        channelId = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .channelId)
        message = try MessageInput(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(channelId, forKey: .channelId)
        try message.encode(to: encoder)
    }

    /// Sends are pipelined by the session (``HubSession``), which checks and queues them as they come and answers them
    /// in order; handled alone, a send is checked, stored and answered at once.
    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let channelID: ChannelID = try identifier(channelId, "channel_id")
        return context.answer(ack(try await context.chat.send(context.access, channelID: channelID, draft: try message.draft()), id: context.id))
    }

    /// The `ack` reporting `outcome`.
    func ack(_ outcome: SendOutcome, id: String?) -> AckFrame {
        switch outcome {
        case .published(let stored, let duplicate, let rewrite):
            AckFrame(
                id: id, channelId: stored.channelID.rawValue, clientMessageId: message.clientMessageId, status: "published",
                messageId: stored.id.rawValue, seq: stored.seq, duplicate: duplicate, reason: nil, rewrite: rewrite)
        case .held(_, let reason):
            AckFrame(
                id: id, channelId: channelId, clientMessageId: message.clientMessageId, status: "held",
                messageId: nil, seq: nil, duplicate: false, reason: reason)
        }
    }
}

/// `edit`: new text for a message; `ok` with the event's sequence (and the published body if moderation changed it).
public struct EditRequest: ClientRequest {
    public static let kind = ClientRequestKind.edit
    public let messageId: String
    public let body: String

    enum CodingKeys: String, CodingKey {
        case messageId = "message_id"
        case body
    }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let (event, rewrite) = try await context.chat.edit(context.access, messageID: try identifier(messageId, "message_id"), body: body)
        return context.answer(OkFrame(id: context.id, seq: event.seq, rewrite: rewrite))
    }
}

/// `delete`: erases a message's content; the event stays in the stream.
public struct DeleteRequest: ClientRequest {
    public static let kind = ClientRequestKind.delete
    public let messageId: String

    enum CodingKeys: String, CodingKey { case messageId = "message_id" }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let event = try await context.chat.delete(context.access, messageID: try identifier(messageId, "message_id"))
        return context.answer(OkFrame(id: context.id, seq: event.seq))
    }
}

/// `react`: adds (or, with `add: false`, removes) the caller's reaction.
public struct ReactRequest: ClientRequest {
    public static let kind = ClientRequestKind.react
    public let messageId: String
    public let emoji: String
    public let add: Bool?

    enum CodingKeys: String, CodingKey {
        case messageId = "message_id"
        case emoji, add
    }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let event = try await context.chat.react(context.access, messageID: try identifier(messageId, "message_id"), emoji: emoji, add: add ?? true)
        return context.answer(OkFrame(id: context.id, seq: event?.seq))
    }
}
