import ChamberDomain
import Foundation

// Channels: listing, opening, creating, joining, leaving, members, archiving.

/// `channels`: the caller's channels with unread counts and last messages.
public struct ChannelsRequest: ClientRequest {
    public static let kind = ClientRequestKind.channels

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        return context.answer(ChannelsFrame(id: context.id, items: try await context.chat.myChannels(context.access).map(WireChannelSummary.init)))
    }
}

/// `open_direct`: the direct channel with another member, created the first time.
public struct OpenDirectRequest: ClientRequest {
    public static let kind = ClientRequestKind.openDirect
    public let userId: String

    enum CodingKeys: String, CodingKey { case userId = "user_id" }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let channel = try await context.chat.openDirect(context.access, with: try identifier(userId, "user_id"))
        return context.answer(channel: channel)
    }
}

/// `create_channel`: a group, an event room or an announcement channel.
public struct CreateChannelRequest: ClientRequest {
    public static let kind = ClientRequestKind.createChannel
    public let kind: String
    public let name: String
    public let topic: String?
    public let eventId: String?
    public let members: [String]?

    enum CodingKeys: String, CodingKey {
        case kind, name, topic
        case eventId = "event_id"
        case members
    }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        guard let channelKind = Channel.Kind(rawValue: kind) else {
            throw ChamberError(.validationFailed, "kind must be group, event or announcement", field: "kind")
        }
        let memberIDs = try (members ?? []).map { raw throws(ChamberError) -> UserID in try identifier(raw, "members") }
        let channel = try await context.chat.create(context.access, kind: channelKind, name: name, topic: topic, eventID: eventId, members: memberIDs)
        return context.answer(channel: channel)
    }
}

/// `join`: joins an event room.
public struct JoinRequest: ClientRequest {
    public static let kind = ClientRequestKind.join
    public let channelId: String

    enum CodingKeys: String, CodingKey { case channelId = "channel_id" }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let channel = try await context.chat.join(context.access, channelID: try identifier(channelId, "channel_id"))
        return context.answer(channel: channel)
    }
}

/// `leave`: leaves a group or event room.
public struct LeaveRequest: ClientRequest {
    public static let kind = ClientRequestKind.leave
    public let channelId: String

    enum CodingKeys: String, CodingKey { case channelId = "channel_id" }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        try await context.chat.leave(context.access, channelID: try identifier(channelId, "channel_id"))
        return context.answerOK()
    }
}

/// `add_members`: adds members to a group.
public struct AddMembersRequest: ClientRequest {
    public static let kind = ClientRequestKind.addMembers
    public let channelId: String
    public let userIds: [String]

    enum CodingKeys: String, CodingKey {
        case channelId = "channel_id"
        case userIds = "user_ids"
    }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let channelID: ChannelID = try identifier(channelId, "channel_id")
        let users = try userIds.map { raw throws(ChamberError) -> UserID in try identifier(raw, "user_ids") }
        let channel = try await context.chat.addMembers(context.access, channelID: channelID, userIDs: users)
        return context.answer(channel: channel)
    }
}

/// `remove_member`: removes a member from a group.
public struct RemoveMemberRequest: ClientRequest {
    public static let kind = ClientRequestKind.removeMember
    public let channelId: String
    public let userId: String

    enum CodingKeys: String, CodingKey {
        case channelId = "channel_id"
        case userId = "user_id"
    }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        try await context.chat.removeMember(
            context.access, channelID: try identifier(channelId, "channel_id"), userID: try identifier(userId, "user_id"))
        return context.answerOK()
    }
}

/// `archive`: the channel stays readable and nobody posts; archiving twice changes nothing.
public struct ArchiveRequest: ClientRequest {
    public static let kind = ClientRequestKind.archive
    public let channelId: String

    enum CodingKeys: String, CodingKey { case channelId = "channel_id" }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let channel = try await context.chat.archive(context.access, channelID: try identifier(channelId, "channel_id"))
        return context.answer(channel: channel)
    }
}
