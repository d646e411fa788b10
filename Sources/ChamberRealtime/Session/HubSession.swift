import ChamberDomain
import CoreMetrics
import Foundation
import Logging
import NIOCore
import Synchronization

/// The protocol of one socket, independent of the transport: authentication, then every client frame.
///
/// The transport feeds it inbound frames one at a time (so a connection's requests are answered in order) and
/// drains the connection's outbox. Before authentication there is no connection: replies come back to the
/// transport as ``Action/reply(_:)``; afterwards everything, replies included, goes through the outbox, so a
/// reply can never overtake the events it follows.
public final class HubSession: @unchecked Sendable {
    // @unchecked: `authenticate` and `handle` are called by one task only, the transport's inbound loop, which owns
    // the plain stored state (`access`, the bucket); what other tasks read (`connection`, `expiry`) has its own lock.

    public enum Action: Sendable {
        case none
        /// Write this frame (only before authentication).
        case reply(ByteBuffer)
        /// Close the socket with this code.
        case close(CloseCode)
        /// Write this frame, then close (a refused `auth` frame).
        case replyAndClose(ByteBuffer, CloseCode)
    }

    private let hub: Hub
    private let accounts: AccountService
    private let chambers: ChamberService
    private let chat: ChatService
    private let moderation: ModerationService
    private let logger: Logger
    private let sink: any FrameSink

    private let current = Mutex<ClientConnection?>(nil)
    /// The registered connection, once authenticated (read by the transport's tasks).
    public var connection: ClientConnection? { current.withLock { $0 } }
    private var access: ChamberAccess?
    private let expiry = Mutex<Date?>(nil)
    private var bucket: TokenBucket
    private var refusedInRow = 0
    private let requestedChamber: String?

    /// - Parameter chamberID: the chamber named on the upgrade URL, if any (the `auth` frame may name it instead).
    /// - Parameter sink: where the connection's frames are written, once authenticated.
    public init(hub: Hub, accounts: AccountService, chambers: ChamberService, chat: ChatService, moderation: ModerationService, chamberID: String?,
                sink: any FrameSink, logger: Logger) {
        self.moderation = moderation
        self.hub = hub
        self.sink = sink
        self.accounts = accounts
        self.chambers = chambers
        self.chat = chat
        self.requestedChamber = chamberID
        self.logger = logger
        self.bucket = TokenBucket(rate: hub.configuration.inboundFramesPerSecond, burst: hub.configuration.inboundBurst)
    }

    public var isAuthenticated: Bool { connection != nil }

    // MARK: Authentication

    /// Authenticates with an access token for a chamber, registers the connection and queues the welcome.
    /// Throws the reason when the token or the chamber is refused.
    @discardableResult
    public func authenticate(token: String, chamberID rawChamber: String?, requestID: String? = nil) async throws -> ClientConnection {
        guard let rawChamber = rawChamber ?? requestedChamber else {
            throw ChamberError(.validationFailed, "name the chamber: ?chamber_id= on the URL or chamber_id in the auth frame", field: "chamber_id")
        }
        let chamberID = try Validate.identifier(rawChamber, as: ChamberID.self, field: "chamber_id")
        let identity = try await accounts.authenticate(accessToken: token)
        let access = try await chambers.access(identity, to: chamberID)
        guard let connection = hub.connect(chamberID: chamberID, userID: identity.user.id, sink: sink) else {
            throw ChamberError(.unavailable, "this node is shutting down; reconnect to another")
        }
        self.current.withLock { $0 = connection }
        self.access = access
        self.expiry.withLock { $0 = identity.tokenExpiresAt }
        let configuration = hub.configuration
        connection.send(WelcomeFrame(id: requestID, connectionId: String(connection.id), userId: identity.user.id.rawValue, chamberId: chamberID.rawValue,
                                     role: access.role.rawValue, tokenExpiresAt: identity.tokenExpiresAt ?? Date(),
                                     limits: .init(maxFrameBytes: configuration.maxFrameBytes, maxBodyLength: chat.limits.maxBodyLength,
                                                   inboundFramesPerSecond: configuration.inboundFramesPerSecond,
                                                   outboundQueueBytes: configuration.outboundQueueBytes, typingTtlMs: configuration.typingTtlMs)))
        return connection
    }

    /// When the token's lifetime and grace run out (the socket must then close), once authenticated; a `refresh`
    /// moves it.
    public var closesAt: Date? {
        expiry.withLock { $0 }?.addingTimeInterval(TimeInterval(hub.configuration.tokenGraceSeconds))
    }

    /// Checks the token's lifetime; past expiry and grace the socket must close.
    public func tick(now: Date = Date()) -> Action {
        guard let closesAt, now > closesAt else { return .none }
        return .close(.tokenExpired)
    }

    /// The socket closed: forget the connection.
    public func finish() {
        if let connection {
            connection.close(.normal)
            hub.disconnect(connection)
        }
    }

    // MARK: Frames

    /// A binary frame: protocol v1 is text only.
    public func handleBinary() -> Action {
        reply(nil, ChamberError(.unsupportedFrame, "protocol v1 uses text frames holding JSON"))
    }

    /// Handles one text frame.
    public func handle(text: String) async -> Action {
        hub.metrics.framesIn.increment()
        guard bucket.take() else {
            refusedInRow += 1
            hub.metrics.rateLimited.increment()
            if refusedInRow >= hub.configuration.floodCloseAfter { return .close(.floodDetected) }
            return reply(nil, ChamberError(.rateLimited, "more than \(hub.configuration.inboundFramesPerSecond) frames a second; slow down"))
        }
        refusedInRow = 0
        let frame: ClientFrame
        do {
            frame = try ClientFrame.decode(Array(text.utf8))
        } catch {
            return reply(nil, error)
        }
        guard let kind = frame.kindValue else {
            return reply(frame.id, ChamberError(.unknownFrameType, "unknown frame type '\(frame.type.prefix(40))'", field: "type"))
        }
        do {
            return try await dispatch(kind, frame)
        } catch let error as ChamberError {
            return reply(frame.id, error)
        } catch {
            logger.error("frame failed", metadata: ["frame.type": "\(frame.type)", "error": "\(String(reflecting: error))"])
            return reply(frame.id, ChamberError(.internalError, "the server failed to handle this frame"))
        }
    }

    private func reply(_ id: String?, _ error: ChamberError) -> Action {
        let frame = ErrorFrame(id: id, error)
        if let connection {
            connection.send(frame)
            return .none
        }
        return .reply(WireCoding.encode(frame))
    }

    private func dispatch(_ kind: ClientFrame.Kind, _ frame: ClientFrame) async throws -> Action {
        if kind == .auth {
            guard connection == nil else { throw ChamberError(.validationFailed, "this socket is authenticated already", field: "type") }
            do {
                try await authenticate(token: try frame.require(frame.token, "token"), chamberID: frame.chamberId ?? requestedChamber, requestID: frame.id)
                return .none
            } catch let error as ChamberError where error.code.kind == .unauthenticated || error.code == .chamberNotFound {
                return .replyAndClose(WireCoding.encode(ErrorFrame(id: frame.id, error)), .authFailed)
            } catch let error as ChamberError where error.code == .userBanned {
                return .replyAndClose(WireCoding.encode(ErrorFrame(id: frame.id, error)), .banned)
            } catch let error as ChamberError where error.code == .unavailable {
                return .replyAndClose(WireCoding.encode(ErrorFrame(id: frame.id, error)), .goingAway)
            }
        }
        guard let connection, let access else {
            throw ChamberError(.unauthenticated, "send an auth frame first")
        }
        let id = frame.id
        switch kind {
        case .auth:
            return .none
        case .ping:
            connection.send(PongFrame(id: id))
        case .refresh:
            let identity = try await accounts.authenticate(accessToken: try frame.require(frame.token, "token"))
            guard identity.user.id == access.userID else { throw ChamberError(.forbidden, "the new token belongs to another account") }
            // Rights are looked up again: a member removed from the chamber keeps nothing by refreshing.
            guard let renewed = try? await chambers.access(identity, to: access.chamberID) else { return .close(.accessRevoked) }
            self.access = renewed
            expiry.withLock { $0 = identity.tokenExpiresAt }
            connection.send(OkFrame(id: id, seq: nil))
        case .subscribe:
            try await subscribe(connection, access, frame)
        case .unsubscribe:
            hub.unsubscribe(connection, from: try frame.channelID())
            connection.send(OkFrame(id: id, seq: nil))
        case .history:
            let channelID = try frame.channelID()
            let messages = try await chat.history(access, channelID: channelID, before: frame.before, after: frame.after, limit: frame.limit)
            connection.send(HistoryFrame(id: id, channelId: channelID.rawValue, messages: messages.map(WireMessage.init)))
        case .send:
            let channelID = try frame.channelID()
            let clientID = try frame.require(frame.clientMessageId, "client_message_id")
            let draft = MessageDraft(clientMessageID: clientID, body: frame.body ?? "",
                                     replyTo: try frame.replyTo.map { raw throws(ChamberError) in try Validate.identifier(raw, as: MessageID.self, field: "reply_to") },
                                     attachments: (frame.attachments ?? []).map(\.attachment), data: frame.data)
            switch try await chat.send(access, channelID: channelID, draft: draft) {
            case .published(let message, let duplicate, let rewrite):
                connection.send(AckFrame(id: id, channelId: channelID.rawValue, clientMessageId: clientID, status: "published", messageId: message.id.rawValue,
                                         seq: message.seq, duplicate: duplicate, reason: nil, rewrite: rewrite))
            case .held(_, let reason):
                connection.send(AckFrame(id: id, channelId: channelID.rawValue, clientMessageId: clientID, status: "held", messageId: nil, seq: nil,
                                         duplicate: false, reason: reason))
            }
        case .edit:
            let (event, rewrite) = try await chat.edit(access, messageID: try frame.messageID(), body: try frame.require(frame.body, "body"))
            connection.send(OkFrame(id: id, seq: event.seq, rewrite: rewrite))
        case .delete:
            let event = try await chat.delete(access, messageID: try frame.messageID())
            connection.send(OkFrame(id: id, seq: event.seq))
        case .react:
            let event = try await chat.react(access, messageID: try frame.messageID(), emoji: try frame.require(frame.emoji, "emoji"), add: frame.add ?? true)
            connection.send(OkFrame(id: id, seq: event?.seq))
        case .typing:
            let channelID = try frame.channelID()
            guard connection.subscriptions.contains(channelID) else { throw ChamberError(.notSubscribed, "subscribe to the channel before typing in it", field: "channel_id") }
            hub.typing(connection, in: channelID)
        case .read:
            let channelID = try frame.channelID()
            let (seq, unread) = try await chat.markRead(access, channelID: channelID, seq: try frame.require(frame.seq, "seq"))
            hub.publishReceipt(chamber: access.chamberID, channel: channelID, user: access.userID, seq: seq, unread: unread)
            connection.send(ReceiptFrame(id: id, channelId: channelID.rawValue, userId: access.userID.rawValue, seq: seq, unreadCount: unread))
        case .channels:
            connection.send(ChannelsFrame(id: id, items: try await chat.myChannels(access).map(WireChannelSummary.init)))
        case .openDirect:
            connection.send(ChannelFrame(id: id, channel: WireChannel(try await chat.openDirect(access, with: try frame.userID()))))
        case .createChannel:
            guard let kind = Channel.Kind(rawValue: try frame.require(frame.kind, "kind")) else {
                throw ChamberError(.validationFailed, "kind must be group, event or announcement", field: "kind")
            }
            let members = try (frame.members ?? []).map { raw throws(ChamberError) in try Validate.identifier(raw, as: UserID.self, field: "members") }
            let channel = try await chat.create(access, kind: kind, name: try frame.require(frame.name, "name"), topic: frame.topic, eventID: frame.eventId, members: members)
            connection.send(ChannelFrame(id: id, channel: WireChannel(channel)))
        case .join:
            connection.send(ChannelFrame(id: id, channel: WireChannel(try await chat.join(access, channelID: try frame.channelID()))))
        case .leave:
            try await chat.leave(access, channelID: try frame.channelID())
            connection.send(OkFrame(id: id, seq: nil))
        case .addMembers:
            let users = try (try frame.require(frame.userIds, "user_ids")).map { raw throws(ChamberError) in try Validate.identifier(raw, as: UserID.self, field: "user_ids") }
            connection.send(ChannelFrame(id: id, channel: WireChannel(try await chat.addMembers(access, channelID: try frame.channelID(), userIDs: users))))
        case .removeMember:
            try await chat.removeMember(access, channelID: try frame.channelID(), userID: try frame.userID())
            connection.send(OkFrame(id: id, seq: nil))
        case .archive:
            connection.send(ChannelFrame(id: id, channel: WireChannel(try await chat.archive(access, channelID: try frame.channelID()))))
        case .presence:
            connection.send(try await presence(access, frame))
        case .setStatus:
            guard let status = PresenceStatus(rawValue: try frame.require(frame.status, "status")), status != .offline else {
                throw ChamberError(.validationFailed, "status must be online or away", field: "status")
            }
            hub.setStatus(connection, status)
            connection.send(OkFrame(id: id, seq: nil))
        case .moderate:
            let action = try ModerationAction.parse(action: try frame.require(frame.action, "action"), userID: frame.userId, channelID: frame.channelId,
                                                    messageID: frame.messageId, durationSeconds: frame.durationSeconds, seconds: frame.seconds)
            let outcome = try await moderation.perform(access, action, reason: frame.reason)
            connection.send(ModeratedFrame(id: id, outcome: WireModerationOutcome(outcome)))
        case .report:
            // The reporter hears only that it was received (the item may hold other members' reasons).
            _ = try await moderation.report(access, messageID: try frame.messageID(), reason: try frame.require(frame.reason, "reason"))
            connection.send(OkFrame(id: id, seq: nil))
        case .reviewQueue:
            let page = try await moderation.queue(access, state: try ReviewItem.State.parse(frame.state), page: try PageRequest(limit: frame.limit.map(String.init), cursor: frame.cursor))
            connection.send(ReviewQueueFrame(id: id, items: page.items.map(WireReviewItem.init), nextCursor: page.nextCursor))
        case .review:
            let itemID = try Validate.identifier(try frame.require(frame.itemId, "item_id"), as: ReviewItemID.self, field: "item_id")
            let approve = try ReviewItem.approves(try frame.require(frame.decision, "decision"))
            let item = try await moderation.decide(access, itemID: itemID, approve: approve, note: frame.reason)
            connection.send(ReviewItemFrame(id: id, item: WireReviewItem(item)))
        }
        return .none
    }

    /// Subscribes with recovery: live events wait while what was missed is sent, then follow without gap or double.
    private func subscribe(_ connection: ClientConnection, _ access: ChamberAccess, _ frame: ClientFrame) async throws {
        let channelID = try frame.channelID()
        if let since = frame.since, since < 0 { throw ChamberError(.validationFailed, "since must be a sequence number (0 or more)", field: "since") }
        // Check the right to read before anything is registered.
        _ = try await chat.readableChannel(access, channelID)
        hub.beginSubscription(connection, to: channelID)
        do {
            var lastSent: Int64
            var recovered = 0
            if let since = frame.since {
                switch try await chat.recover(access, channelID: channelID, since: since) {
                case .events(let events):
                    let frames = events.map { WireCoding.encode(EventFrame($0)) }
                    // A replay larger than half the outbound bound would close a slow link as a slow consumer, and
                    // the client would reconnect into the same replay: ask it to refetch history instead.
                    if frames.reduce(0, { $0 + $1.readableBytes }) > hub.configuration.outboundQueueBytes / 2, let last = events.last {
                        connection.send(RecoveryIncompleteFrame(channelId: channelID.rawValue, latestSeq: last.seq))
                        lastSent = last.seq
                    } else {
                        connection.send(frames)
                        recovered = events.count
                        lastSent = events.last?.seq ?? since
                    }
                case .incomplete(let latest):
                    connection.send(RecoveryIncompleteFrame(channelId: channelID.rawValue, latestSeq: latest))
                    lastSent = latest
                }
            } else {
                // Read after registering, so nothing published in between is missed.
                lastSent = try await chat.readableChannel(access, channelID).lastSeq
            }
            hub.completeSubscription(connection, to: channelID, lastSent: lastSent, channelSeq: lastSent,
                                     confirmation: WireCoding.encode(SubscribedFrame(id: frame.id, channelId: channelID.rawValue, lastSeq: lastSent, recovered: recovered)))
        } catch {
            hub.unsubscribe(connection, from: channelID)
            throw error
        }
    }

    private func presence(_ access: ChamberAccess, _ frame: ClientFrame) async throws -> PresenceFrame {
        let limit = min(max(frame.limit ?? 100, 1), 200)
        guard let rawChannel = frame.channelId else {
            let page = try hub.onlineUsers(in: access.chamberID, after: frame.cursor, limit: limit)
            return PresenceFrame(id: frame.id, channelId: nil, onlineCount: page.total,
                                 users: page.users.map { .init(userId: $0.0.rawValue, status: $0.1.rawValue) }, nextCursor: page.next)
        }
        let channelID = try Validate.identifier(rawChannel, as: ChannelID.self, field: "channel_id")
        let page = try await chat.members(access, channelID: channelID, page: try PageRequest(limit: String(limit), cursor: frame.cursor))
        let users = page.items.map { member in PresenceFrame.Entry(userId: member.userID.rawValue, status: hub.status(of: member.userID, in: access.chamberID).rawValue) }
        return PresenceFrame(id: frame.id, channelId: channelID.rawValue, onlineCount: users.filter { $0.status != PresenceStatus.offline.rawValue }.count,
                             users: users, nextCursor: page.nextCursor)
    }
}
