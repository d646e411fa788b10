import ChamberDomain
import Foundation

// The socket's own requests: authentication, token refresh, keepalive, presence.

/// `auth`: the first frame of a socket upgraded without a token (websocket.md §2.3). Handled by the session before
/// there is a connection; on an authenticated socket it is refused.
public struct AuthRequest: ClientRequest {
    public static let kind = ClientRequestKind.auth
    public let token: String
    public let chamberId: String?

    enum CodingKeys: String, CodingKey {
        case token
        case chamberId = "chamber_id"
    }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        throw ChamberError(.validationFailed, "this socket is authenticated already", field: "type")
    }
}

/// `refresh`: a new access token for the socket (§2.4).
public struct RefreshRequest: ClientRequest {
    public static let kind = ClientRequestKind.refresh
    public let token: String

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        try await context.session.refresh(token: token, context)
    }
}

/// `ping`: answered with `pong`.
public struct PingRequest: ClientRequest {
    public static let kind = ClientRequestKind.ping

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        return context.answer(PongFrame(id: context.id))
    }
}

/// `set_status`: this socket's presence, `online` or `away`.
public struct SetStatusRequest: ClientRequest {
    public static let kind = ClientRequestKind.setStatus
    public let status: String

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        guard let status = PresenceStatus(rawValue: status), status != .offline else {
            throw ChamberError(.validationFailed, "status must be online or away", field: "status")
        }
        context.hub.setStatus(context.connection, status)
        return context.answerOK()
    }
}

/// `presence`: who is connected in the chamber, or the status of a channel's members, a page at a time.
public struct PresenceRequest: ClientRequest {
    public static let kind = ClientRequestKind.presence
    public let channelId: String?
    public let cursor: String?
    public let limit: Int?

    enum CodingKeys: String, CodingKey {
        case channelId = "channel_id"
        case cursor, limit
    }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let limit = min(max(limit ?? 100, 1), 200)
        let (hub, access) = (context.hub, context.access)
        guard let channelId else {
            let page = try hub.onlineUsers(in: access.chamberID, after: cursor, limit: limit)
            return context.answer(
                PresenceFrame(
                    id: context.id, channelId: nil, onlineCount: page.total,
                    users: page.users.map { .init(userId: $0.0.rawValue, status: $0.1.rawValue) }, nextCursor: page.next))
        }
        let channelID: ChannelID = try identifier(channelId, "channel_id")
        let page = try await context.chat.members(access, channelID: channelID, page: try PageRequest(limit: String(limit), cursor: cursor))
        let users = page.items.map { member in
            PresenceFrame.Entry(userId: member.userID.rawValue, status: hub.status(of: member.userID, in: access.chamberID).rawValue)
        }
        return context.answer(
            PresenceFrame(
                id: context.id, channelId: channelID.rawValue, onlineCount: users.filter { $0.status != PresenceStatus.offline.rawValue }.count,
                users: users, nextCursor: page.nextCursor))
    }
}
