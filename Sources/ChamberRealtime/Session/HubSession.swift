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
public final class HubSession: Sendable {
    public enum Action: Sendable {
        case none
        /// Write this frame (only before authentication).
        case reply(ByteBuffer)
        /// Close the socket with this code.
        case close(CloseCode)
        /// Write this frame, then close (a refused `auth` frame).
        case replyAndClose(ByteBuffer, CloseCode)

        /// Whether there is nothing for the transport to do.
        public var isNone: Bool {
            if case .none = self { return true }
            return false
        }

        /// Whether the socket is to close (nothing the client sends afterwards is acted on).
        public var closes: Bool {
            switch self {
            case .close, .replyAndClose: true
            case .none, .reply: false
            }
        }
    }

    /// What every session of a node uses, held once per node rather than once per socket.
    public final class Services: Sendable {
        let hub: Hub
        let accounts: AccountService
        let chambers: ChamberService
        let chat: ChatService
        let moderation: ModerationService
        let logger: Logger
        /// Sends checked and queued by every socket of the node, not answered yet (see ``maxUnsettledSendsPerNode``).
        let unsettledSends = Atomic<Int>(0)

        public init(hub: Hub, accounts: AccountService, chambers: ChamberService, chat: ChatService, moderation: ModerationService, logger: Logger) {
            self.hub = hub
            self.accounts = accounts
            self.chambers = chambers
            self.chat = chat
            self.moderation = moderation
            self.logger = logger
        }
    }

    private let services: Services
    var hub: Hub { services.hub }
    var accounts: AccountService { services.accounts }
    var chambers: ChamberService { services.chambers }
    var chat: ChatService { services.chat }
    var moderation: ModerationService { services.moderation }
    private var logger: Logger { services.logger }
    private let sink: any FrameSink

    /// What the session learns as it goes. Frames are handled one at a time, but not always by the same task, and
    /// the transport reads the connection and the deadline from its event loop: one lock keeps them together.
    private struct State {
        var connection: ClientConnection?
        var access: ChamberAccess?
        /// When the socket's token expires.
        var expiry: Date?
        var bucket: TokenBucket
        var refusedInRow = 0
        /// The socket is gone: a connection registered after this (an `auth` that was still being checked) is
        /// disconnected at once instead of lingering in the hub.
        var finished = false
        /// Sends checked and queued for storing, not answered yet, in the order they came (see ``settleSends()``).
        var unsettled: [UnsettledSend] = []
    }

    /// A `send` checked and queued for storing (or refused while checked), waiting for its answer.
    struct UnsettledSend: Sendable {
        let request: SendRequest
        let requestID: String?
        let channelID: ChannelID?
        let progress: Result<SendInProgress, any Error>
    }

    /// How many sends a socket may have checked and queued before their answers are awaited.
    static let maxUnsettledSends = 64
    /// How many the whole node may have. Checking a send reads the database: without a bound, sockets that send
    /// faster than the node stores would read ahead without end, and on PostgreSQL those reads take the pool's
    /// connections from the writer (measured: direct at 5,000/s offered acknowledged 589 sends in 20 s). Past the
    /// bound a socket waits for its own sends before checking another, as it did before pipelining.
    static let maxUnsettledSendsPerNode = 512

    private let state: Mutex<State>
    /// The registered connection, once authenticated.
    public var connection: ClientConnection? { state.withLock { $0.connection } }
    private let requestedChamber: String?

    /// - Parameter chamberID: the chamber named on the upgrade URL, if any (the `auth` frame may name it instead).
    /// - Parameter sink: where the connection's frames are written, once authenticated.
    public init(_ services: Services, chamberID: String?, sink: any FrameSink) {
        self.services = services
        self.sink = sink
        self.requestedChamber = chamberID
        let configuration = services.hub.configuration
        self.state = Mutex(State(bucket: TokenBucket(rate: configuration.inboundFramesPerSecond, burst: configuration.inboundBurst)))
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
        return try register(identity, access, in: chamberID, requestID: requestID)
    }

    /// Registers the connection of an identity whose access to the chamber was just checked (by ``authenticate(token:
    /// chamberID:requestID:)``, or by the transport before it upgraded) and queues the welcome. Throws `unavailable`
    /// when the node is draining or the socket already went.
    @discardableResult
    public func register(
        _ identity: Identity, _ access: ChamberAccess, in chamberID: ChamberID, requestID: String? = nil
    ) throws(ChamberError)
        -> ClientConnection
    {
        let configuration = hub.configuration
        let limits = WelcomeFrame.Limits(
            maxFrameBytes: configuration.maxFrameBytes, maxBodyLength: chat.limits.maxBodyLength,
            inboundFramesPerSecond: configuration.inboundFramesPerSecond,
            outboundQueueBytes: configuration.outboundQueueBytes, typingTtlMs: configuration.typingTtlMs)
        // The welcome is queued before the connection is registered: nothing published to the user can precede it.
        let connected = hub.connect(chamberID: chamberID, userID: identity.user.id, sessionID: identity.sessionID, sink: sink) { connection in
            connection.send(
                WelcomeFrame(
                    id: requestID, connectionId: String(connection.id), userId: identity.user.id.rawValue, chamberId: chamberID.rawValue,
                    role: access.role.rawValue, tokenExpiresAt: identity.tokenExpiresAt ?? Date(), limits: limits))
        }
        guard let connection = connected else {
            throw ChamberError(.unavailable, "this node is shutting down; reconnect to another")
        }
        let registered = state.withLock { state -> Bool in
            guard !state.finished else { return false }
            state.connection = connection
            state.access = access
            state.expiry = identity.tokenExpiresAt
            return true
        }
        guard registered else {
            connection.close(.normal)
            hub.disconnect(connection)
            throw ChamberError(.unavailable, "the socket closed while it was being authenticated")
        }
        return connection
    }

    /// When the token's lifetime and grace run out (the socket must then close), once authenticated; a `refresh`
    /// moves it.
    public var closesAt: Date? {
        state.withLock { $0.expiry }?.addingTimeInterval(TimeInterval(hub.configuration.tokenGraceSeconds))
    }

    /// Checks the token's lifetime; past expiry and grace the socket must close.
    public func tick(now: Date = Date()) -> Action {
        guard let closesAt, now > closesAt else { return .none }
        return .close(.tokenExpired)
    }

    /// The socket closed: forget the connection.
    public func finish() {
        let connection = state.withLock { state -> ClientConnection? in
            state.finished = true
            return state.connection
        }
        if let connection {
            connection.close(.normal)
            hub.disconnect(connection)
        }
    }

    // MARK: Frames

    /// A binary frame: protocol v1 is text only.
    public func handleBinary() async -> Action {
        await settleSends()
        return reply(nil, ChamberError(.unsupportedFrame, "protocol v1 uses text frames holding JSON"), to: connection)
    }

    /// Handles one text frame (its UTF-8 bytes, already checked by the transport): decoded once into its typed
    /// request, which its own handler answers.
    public func handle(text: some Collection<UInt8> & Sendable) async -> Action {
        hub.metrics.framesIn.increment()
        let floodCloseAfter = hub.configuration.floodCloseAfter
        // One lock per frame: the rate, and who the socket is (frames are handled one at a time, in order).
        let (refusedInRow, connection, access) = state.withLock { state in
            state.refusedInRow = state.bucket.take() ? 0 : state.refusedInRow + 1
            return (state.refusedInRow, state.connection, state.access)
        }
        guard refusedInRow == 0 else {
            await settleSends()
            hub.metrics.rateLimited.increment()
            if refusedInRow >= floodCloseAfter { return .close(.floodDetected) }
            return reply(
                nil, ChamberError(.rateLimited, "more than \(hub.configuration.inboundFramesPerSecond) frames a second; slow down"), to: connection)
        }
        let frame: DecodedFrame
        do {
            frame = try DecodedFrame.decode(text)
        } catch {
            await settleSends()
            return reply(error.id, error.error, to: connection)
        }
        if let send = frame.request as? SendRequest, let connection, let access {
            // Closing (revoked, banned, flooding, draining): what the client sent after that is not acted on.
            guard connection.closeCode == nil else { return .none }
            await queueSend(send, id: frame.id, access: access)
            return .none
        }
        // Every other reply follows the answers of the sends before it.
        await settleSends()
        do {
            if let auth = frame.request as? AuthRequest, connection == nil {
                return await authenticate(auth, requestID: frame.id)
            }
            guard let connection, let access else { throw ChamberError(.unauthenticated, "send an auth frame first") }
            // Closing (revoked, banned, flooding, draining): what the client sent after that is not acted on.
            guard connection.closeCode == nil else { return .none }
            return try await frame.request.handle(RequestContext(id: frame.id, connection: connection, access: access, session: self))
        } catch let error as ChamberError {
            return reply(frame.id, error, to: self.connection)
        } catch {
            logger.error(
                "frame failed", metadata: ["frame.type": "\(type(of: frame.request).kind.rawValue)", "error": "\(String(reflecting: error))"])
            return reply(frame.id, ChamberError(.internalError, "the server failed to handle this frame"), to: self.connection)
        }
    }

    // MARK: Pipelined sends

    /// Whether sends wait for their answers (the transport calls ``settleSends()`` before its worker rests).
    public var hasUnsettledSends: Bool { state.withLock { !$0.unsettled.isEmpty } }

    /// Checks a `send` and queues it for storing without waiting for the store: the socket's next frames are read
    /// meanwhile, and consecutive sends are stored together (group commit). Answers go out in order, before any other
    /// reply (``settleSends()``), so the protocol's one-at-a-time order holds (websocket.md §3).
    private func queueSend(_ send: SendRequest, id: String?, access: ChamberAccess) async {
        if hasUnsettledSends, services.unsettledSends.load(ordering: .relaxed) >= Self.maxUnsettledSendsPerNode {
            await settleSends()
        }
        let channelID = Result { () throws(ChamberError) -> ChannelID in try identifier(send.channelId, "channel_id") }
        let progress: Result<SendInProgress, any Error>
        do {
            let channel = try channelID.get()
            // Slow mode counts the sends to this channel that are queued and not stored yet.
            let (unsettledSince, connection) = state.withLock { state in
                let since = state.unsettled.last { $0.channelID == channel && ((try? $0.progress.get().storing) ?? false) }
                return (since.flatMap { try? $0.progress.get().at }, state.connection)
            }
            // The rights an earlier send to this channel read, unless a change of them was announced since. Not while
            // the broker is degraded: announcements from other nodes may not be arriving.
            let kept = hub.brokerHealth == .ok ? connection?.keptRights(in: channel) : nil
            let inProgress = try await chat.beginSend(
                access, channelID: channel, draft: try send.message.draft(), unsettledSince: unsettledSince, known: kept?.rights)
            if kept?.rights != nil {
                hub.metrics.sendRightsKept.increment()
            } else if let rights = inProgress.rights {
                hub.metrics.sendRightsRead.increment()
                if let connection, let kept, rights.isKeepable { connection.keep(rights, in: channel, readAt: kept.generation) }
            }
            progress = .success(inProgress)
        } catch {
            progress = .failure(error)
        }
        let waiting = state.withLock { state in
            state.unsettled.append(UnsettledSend(request: send, requestID: id, channelID: try? channelID.get(), progress: progress))
            return state.unsettled.count
        }
        services.unsettledSends.add(1, ordering: .relaxed)
        if waiting >= Self.maxUnsettledSends { await settleSends() }
    }

    /// Answers the sends checked so far, in order, once each is stored (the first to wait stores them all in one
    /// transaction, unless another socket's batch already does).
    public func settleSends() async {
        let (sends, connection) = state.withLock { state in
            defer { state.unsettled = [] }
            return (state.unsettled, state.connection)
        }
        guard !sends.isEmpty else { return }
        defer { services.unsettledSends.subtract(sends.count, ordering: .relaxed) }
        guard let connection else { return }
        var answers: [ByteBuffer] = []
        for send in sends {
            do {
                let outcome = try await send.progress.get().outcome()
                answers.append(WireCoding.encode(send.request.ack(outcome, id: send.requestID)))
            } catch let error as ChamberError {
                answers.append(WireCoding.encode(ErrorFrame(id: send.requestID, error)))
            } catch {
                logger.error("frame failed", metadata: ["frame.type": "send", "error": "\(String(reflecting: error))"])
                answers.append(
                    WireCoding.encode(ErrorFrame(id: send.requestID, ChamberError(.internalError, "the server failed to handle this frame"))))
            }
        }
        connection.send(answers)
    }

    /// An error for the client: through the connection's outbox once there is one, else back to the transport.
    private func reply(_ id: String?, _ error: ChamberError, to connection: ClientConnection?) -> Action {
        let frame = ErrorFrame(id: id, error)
        if let connection {
            connection.send(frame)
            return .none
        }
        return .reply(WireCoding.encode(frame))
    }

    /// The `auth` frame: a refused token or chamber closes the socket after the error (4500, or 4505 when banned); a
    /// frame that only lacks something leaves it open for a corrected one (websocket.md §2.3).
    private func authenticate(_ auth: AuthRequest, requestID: String?) async -> Action {
        do {
            try await authenticate(token: auth.token, chamberID: auth.chamberId ?? requestedChamber, requestID: requestID)
            return .none
        } catch let error as ChamberError {
            let refusal = WireCoding.encode(ErrorFrame(id: requestID, error))
            if error.code.kind == .unauthenticated || error.code == .chamberNotFound { return .replyAndClose(refusal, .authFailed) }
            if error.code == .userBanned { return .replyAndClose(refusal, .banned) }
            if error.code == .unavailable { return .replyAndClose(refusal, .goingAway) }
            return .reply(refusal)
        } catch {
            logger.error("auth failed", metadata: ["error": "\(String(reflecting: error))"])
            return .reply(WireCoding.encode(ErrorFrame(id: requestID, ChamberError(.internalError, "the server failed to handle this frame"))))
        }
    }

    /// `refresh`: the socket's token is replaced by a newer one of the same account; rights are looked up again, so a
    /// member removed from the chamber keeps nothing by refreshing.
    func refresh(token: String, _ context: RequestContext) async throws -> Action {
        let identity = try await accounts.authenticate(accessToken: token)
        guard identity.user.id == context.access.userID else { throw ChamberError(.forbidden, "the new token belongs to another account") }
        let renewed: ChamberAccess
        do {
            renewed = try await chambers.access(identity, to: context.access.chamberID)
        } catch let error as ChamberError where error.code.kind == .notFound || error.code.kind == .forbidden {
            // A ban closes as bans do everywhere else (4505: do not reconnect), other losses of access with 4503.
            return .close(error.code == .userBanned ? .banned : .accessRevoked)
        }
        state.withLock { state in
            state.access = renewed
            state.expiry = identity.tokenExpiresAt
        }
        return context.answerOK()
    }

    /// Subscribes with recovery: live events wait while what was missed is sent, then follow without gap or double.
    func subscribe(_ context: RequestContext, to channelID: ChannelID, since: Int64?) async throws {
        let (connection, access) = (context.connection, context.access)
        // Check the right to read before anything is registered.
        _ = try await chat.readableChannel(access, channelID)
        hub.beginSubscription(connection, to: channelID)
        // The socket may have closed meanwhile; its disconnect ran before this subscription existed: undo it.
        // (`finish` marks the connection closing before it disconnects, so one of the two sees the other.)
        if connection.closeCode != nil {
            hub.unsubscribe(connection, from: channelID)
            return
        }
        do {
            var lastSent: Int64
            var recovered = 0
            if let since {
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
            hub.completeSubscription(
                connection, to: channelID, lastSent: lastSent, channelSeq: lastSent,
                confirmation: WireCoding.encode(
                    SubscribedFrame(id: context.id, channelId: channelID.rawValue, lastSeq: lastSent, recovered: recovered)))
        } catch {
            hub.unsubscribe(connection, from: channelID)
            throw error
        }
    }
}
