import ChamberDomain
import Foundation

/// One client frame type of protocol v1: its payload (the frame's fields, decoded once with the wire's snake_case
/// keys) and its handler. Each type lives beside the others of its feature (`SessionRequests`, `ChatRequests`,
/// `ChannelRequests`, `ModerationRequests`); ``ClientRequestKind`` lists them all.
public protocol ClientRequest: Codable, Sendable {
    /// The frame's `type`.
    static var kind: ClientRequestKind { get }

    /// Handles the request on an authenticated socket: replies and events go through the connection's outbox.
    func handle(_ context: RequestContext) async throws -> HubSession.Action
}

/// Every client frame type of protocol v1, and the payload type each decodes into.
public enum ClientRequestKind: String, Sendable, CaseIterable {
    case auth, refresh, ping
    case subscribe, unsubscribe, history
    case send, edit, delete, react
    case typing, read
    case channels, openDirect = "open_direct", createChannel = "create_channel", join, leave
    case addMembers = "add_members", removeMember = "remove_member", archive
    case presence, setStatus = "set_status"
    case moderate, report, reviewQueue = "review_queue", review

    public var requestType: any ClientRequest.Type {
        switch self {
        case .auth: AuthRequest.self
        case .refresh: RefreshRequest.self
        case .ping: PingRequest.self
        case .subscribe: SubscribeRequest.self
        case .unsubscribe: UnsubscribeRequest.self
        case .history: HistoryRequest.self
        case .send: SendRequest.self
        case .edit: EditRequest.self
        case .delete: DeleteRequest.self
        case .react: ReactRequest.self
        case .typing: TypingRequest.self
        case .read: ReadRequest.self
        case .channels: ChannelsRequest.self
        case .openDirect: OpenDirectRequest.self
        case .createChannel: CreateChannelRequest.self
        case .join: JoinRequest.self
        case .leave: LeaveRequest.self
        case .addMembers: AddMembersRequest.self
        case .removeMember: RemoveMemberRequest.self
        case .archive: ArchiveRequest.self
        case .presence: PresenceRequest.self
        case .setStatus: SetStatusRequest.self
        case .moderate: ModerateRequest.self
        case .report: ReportRequest.self
        case .reviewQueue: ReviewQueueRequest.self
        case .review: ReviewRequest.self
        }
    }
}

/// What a handler works with: the request's `id`, the socket's connection and rights, and the session's services.
public struct RequestContext: Sendable {
    /// The frame's `id`, repeated in its reply.
    public let id: String?
    public let connection: ClientConnection
    public let access: ChamberAccess
    let session: HubSession

    var hub: Hub { session.hub }
    var chat: ChatService { session.chat }
    var moderation: ModerationService { session.moderation }

    /// Answers the request with `frame`, queued on the socket after the events already queued; the transport has
    /// nothing more to do.
    func answer(_ frame: some Encodable & Sendable) -> HubSession.Action {
        connection.send(frame)
        return .none
    }

    /// Answers with the channel as it now is (`channel`).
    func answer(channel: Channel) -> HubSession.Action {
        answer(ChannelFrame(id: id, channel: WireChannel(channel)))
    }

    /// Answers `ok` (for requests whose effect has no sequence number).
    func answerOK() -> HubSession.Action {
        answer(OkFrame(id: id, seq: nil))
    }
}

/// Parses an identifier field of a request, naming the field when it is not a UUID.
func identifier<Entity>(
    _ raw: String, _ field: String, as: Identifier<Entity>.Type = Identifier<Entity>.self
) throws(ChamberError) -> Identifier<Entity> {
    try Validate.identifier(raw, as: Identifier<Entity>.self, field: field)
}
