import ChamberDomain
import Foundation

// Reading channels: subscriptions with recovery, history, typing and read positions.

/// `subscribe`: live events of a channel, after what was missed since `since` (websocket.md §6).
public struct SubscribeRequest: ClientRequest {
    public static let kind = ClientRequestKind.subscribe
    public let channelId: String
    public let since: Int64?

    enum CodingKeys: String, CodingKey {
        case channelId = "channel_id"
        case since
    }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let channelID: ChannelID = try identifier(channelId, "channel_id")
        if let since, since < 0 { throw ChamberError(.validationFailed, "since must be a sequence number (0 or more)", field: "since") }
        try await context.session.subscribe(context, to: channelID, since: since)
        return .none
    }
}

/// `unsubscribe`: no more events of a channel on this socket.
public struct UnsubscribeRequest: ClientRequest {
    public static let kind = ClientRequestKind.unsubscribe
    public let channelId: String

    enum CodingKeys: String, CodingKey { case channelId = "channel_id" }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        context.hub.unsubscribe(context.connection, from: try identifier(channelId, "channel_id") as ChannelID)
        return context.answerOK()
    }
}

/// `history`: a page of a channel's messages by sequence.
public struct HistoryRequest: ClientRequest {
    public static let kind = ClientRequestKind.history
    public let channelId: String
    public let before: Int64?
    public let after: Int64?
    public let limit: Int?

    enum CodingKeys: String, CodingKey {
        case channelId = "channel_id"
        case before, after, limit
    }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let channelID: ChannelID = try identifier(channelId, "channel_id")
        let messages = try await context.chat.history(context.access, channelID: channelID, before: before, after: after, limit: limit)
        return context.answer(HistoryFrame(id: context.id, channelId: channelID.rawValue, messages: messages.map(WireMessage.init)))
    }
}

/// `typing`: tells the channel's other subscribers; only errors are replied.
public struct TypingRequest: ClientRequest {
    public static let kind = ClientRequestKind.typing
    public let channelId: String

    enum CodingKeys: String, CodingKey { case channelId = "channel_id" }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let channelID: ChannelID = try identifier(channelId, "channel_id")
        guard context.connection.subscriptions.contains(channelID) else {
            throw ChamberError(.notSubscribed, "subscribe to the channel before typing in it", field: "channel_id")
        }
        context.hub.typing(context.connection, in: channelID)
        return .none
    }
}

/// `read`: how far the caller has read; answered with the `receipt` every subscriber gets.
public struct ReadRequest: ClientRequest {
    public static let kind = ClientRequestKind.read
    public let channelId: String
    public let seq: Int64

    enum CodingKeys: String, CodingKey {
        case channelId = "channel_id"
        case seq
    }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let channelID: ChannelID = try identifier(channelId, "channel_id")
        let access = context.access
        let (seq, unread) = try await context.chat.markRead(access, channelID: channelID, seq: seq)
        context.hub.publishReceipt(chamber: access.chamberID, channel: channelID, user: access.userID, seq: seq, unread: unread)
        return context.answer(
            ReceiptFrame(id: context.id, channelId: channelID.rawValue, userId: access.userID.rawValue, seq: seq, unreadCount: unread))
    }
}
