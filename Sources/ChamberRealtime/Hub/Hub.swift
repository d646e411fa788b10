import ChamberDomain
import CoreMetrics
import Foundation
import Logging
import Metrics
import NIOCore
import ServiceLifecycle
import Synchronization

/// The real-time hub of one node: local connections, channel subscriptions, and fan-out.
///
/// A stored channel event is encoded once into a shared buffer, published through the ``Broker``, and on every
/// node handed to the channel's route, which queues the same buffer to each local subscriber in sequence order.
/// No task, actor hop or re-encoding per subscriber: queueing is a lock and an append on the connection's outbox.
///
/// The hub is a `Service`: ``run()`` owns every background job (heartbeats, presence flushes, gap repair, catch-up
/// from the store, draining) as child tasks, waiting on the injected clock, and on graceful shutdown drains the
/// node's sockets (1001, in batches) and leaves the cluster.
public final class Hub: ChannelEventPublisher, Service, Sendable {
    /// Reads a channel's stored events after a sequence (for gap repair).
    /// (chamber, channel, after sequence, limit) → stored events.
    public typealias EventSource = @Sendable (ChamberID, ChannelID, Int64, Int) async throws -> [ChamberDomain.ChannelEvent]

    public let configuration: HubConfiguration
    let broker: any Broker
    let eventSource: EventSource
    let logger: Logger
    let clock: any Clock<Duration>
    let metrics = HubMetrics()
    /// Background work asked for by traffic, run by ``run()``.
    private let jobs: (stream: AsyncStream<HubJob>, continuation: AsyncStream<HubJob>.Continuation) = AsyncStream.makeStream()
    /// This node's name in the cluster.
    public var nodeID: String { configuration.nodeID }
    let startedAt = Date()
    /// Heartbeats, the other nodes, and the control plane.
    let membership: ClusterMembership
    let stopped = Atomic<Bool>(false)

    private let registry: ConnectionRegistry
    private let router: ChannelRouter
    let presence = Mutex(PresenceBook())
    private let typing = Mutex([String: ContinuousClock.Instant]())
    private let nextConnectionID = Atomic<UInt64>(1)
    private let draining = Atomic<Bool>(false)

    /// - Parameter clock: what background jobs wait on (a test clock in tests).
    public init(
        configuration: HubConfiguration = .init(), broker: any Broker, eventSource: @escaping EventSource,
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger
    ) {
        self.configuration = configuration
        self.broker = broker
        self.eventSource = eventSource
        self.clock = clock
        self.logger = logger
        self.membership = ClusterMembership(
            nodeID: configuration.nodeID, broker: broker, nodeTimeout: .milliseconds(configuration.nodeTimeoutMs))
        let interest: ConnectionRegistry.Interest = { topic, interested in broker.listen(topic, interested) }
        self.registry = ConnectionRegistry(interest: interest)
        let jobs = self.jobs.continuation
        self.router = ChannelRouter(
            metrics: metrics, interest: interest, gapFound: { chamber, channel in jobs.yield(.repairGap(chamber, channel)) })
        broker.attach(
            BrokerHandlers(
                deliver: { [weak self] message in self?.deliver(message) },
                resync: { [weak self] topics in self?.resync(topics) }))
    }

    // MARK: The service

    /// Runs the hub's background work until it stops: heartbeats, and each job traffic asks for (``HubJob``), as
    /// child tasks. On graceful shutdown (SIGTERM in a service group) it drains the node and leaves the cluster;
    /// ``stop()`` ends it too.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.beatHeartbeats() }
            group.addTask {
                try? await gracefulShutdown()
                guard !self.stopped.load(ordering: .relaxed) else { return }
                await self.drain()
                // Give the writers a moment to send their close frames before the server goes.
                try? await self.clock.sleep(for: .milliseconds(200))
                self.stop()
            }
            for await job in jobs.stream {
                group.addTask { await self.perform(job) }
            }
            group.cancelAll()
        }
    }

    /// Asks ``run()`` for background work.
    func schedule(_ job: HubJob) {
        jobs.continuation.yield(job)
    }

    private func perform(_ job: HubJob) async {
        switch job {
        case .repairGap(let chamber, let channel): await repairGap(chamber: chamber, channel: channel)
        case .catchUp(let chamber, let channel, let attempt): await catchUp(chamber: chamber, channel: channel, attempt: attempt)
        case .flushPresence: await flushPresence()
        case .drain: await drain()
        }
    }

    // MARK: Connections

    /// Registers a new authenticated connection writing to `sink`; nil while the node is draining (the caller closes with 1001).
    /// `greet` queues the connection's first frame (the welcome) before anything published to the user or chamber
    /// can reach it.
    public func connect(
        chamberID: ChamberID, userID: UserID, sessionID: SessionID? = nil, sink: any FrameSink, greet: (ClientConnection) -> Void = { _ in }
    ) -> ClientConnection? {
        guard !draining.load(ordering: .relaxed) else { return nil }
        let id = nextConnectionID.wrappingAdd(1, ordering: .relaxed).oldValue
        let connection = ClientConnection(
            id: id, chamberID: chamberID, userID: userID, sessionID: sessionID, sink: sink, outboundLimit: configuration.outboundQueueBytes,
            metrics: metrics)
        greet(connection)
        metrics.connections.record(registry.add(connection))
        metrics.connectionsOpened.increment()
        presenceChanged(connection, joined: true)
        return connection
    }

    /// Forgets a connection that closed: its subscriptions and its share of presence.
    public func disconnect(_ connection: ClientConnection) {
        for channel in connection.subscriptions { unsubscribe(connection, from: channel) }
        if let left = registry.remove(connection) {
            metrics.connections.record(left)
            presenceChanged(connection, joined: false)
        }
    }

    /// Local connections, for tests and metrics.
    public var connectionCount: Int { registry.count }

    // MARK: Subscriptions

    /// Starts a subscription whose recovery the caller is about to send: live events for the connection wait
    /// until ``completeSubscription(_:to:lastSent:channelSeq:confirmation:)``.
    public func beginSubscription(_ connection: ClientConnection, to channel: ChannelID) {
        _ = connection.addSubscription(channel)
        router.begin(connection, to: channel)
    }

    /// The recovery went out up to `lastSent`; `channelSeq` is the channel's sequence as the store reported it.
    /// Ends a subscription's recovery: the confirmation (`subscribed`) goes out first, then the live events that
    /// waited meanwhile, in order, so a client applies everything after `subscribed` as live.
    public func completeSubscription(
        _ connection: ClientConnection, to channel: ChannelID, lastSent: Int64, channelSeq: Int64, confirmation: ByteBuffer
    ) {
        let queued = router.complete(connection, to: channel, lastSent: lastSent, channelSeq: channelSeq, confirmation: confirmation)
        metrics.fanoutDeliveries.increment(by: queued)
    }

    public func unsubscribe(_ connection: ClientConnection, from channel: ChannelID) {
        _ = connection.removeSubscription(channel)
        router.remove(connection, from: channel)
    }

    // MARK: Publishing (ChannelEventPublisher)

    /// Publishes a stored event to every node's subscribers; the frame is encoded here, once.
    public func publish(_ event: ChamberDomain.ChannelEvent) async {
        metrics.messagesPublished.increment()
        broker.publish(BrokerMessage(topic: .channel(event.chamberID, event.channelID), seq: event.seq, frame: WireCoding.encode(EventFrame(event))))
    }

    public func channelChanged(_ channel: ChamberDomain.Channel, members: [UserID], revoked: Bool) async {
        let frame = WireCoding.encode(ChannelChangedFrame(channelId: channel.id.rawValue))
        if members.isEmpty {
            // No one in particular: an announcement channel concerns the whole chamber, others their subscribers.
            let topic: BrokerMessage.Topic = channel.kind == .announcement ? .chamber(channel.chamberID) : .channel(channel.chamberID, channel.id)
            broker.publish(BrokerMessage(topic: topic, seq: nil, frame: frame, changesAccess: true))
        }
        for user in members {
            broker.publish(BrokerMessage(topic: .user(channel.chamberID, user), seq: nil, frame: frame, changesAccess: true))
        }
        // A member who left or was removed stops receiving the channel at once, on every node.
        if revoked { revokeEverywhere(chamber: channel.chamberID, channel: channel.id, users: members) }
    }

    /// Sends an ephemeral frame (typing, receipts, presence) to a topic on every node.
    public func publishEphemeral(_ frame: ByteBuffer, to topic: BrokerMessage.Topic) {
        broker.publish(BrokerMessage(topic: topic, seq: nil, frame: frame))
    }

    /// Delivers a message from the broker to this node's audience.
    func deliver(_ message: BrokerMessage) {
        let start = ContinuousClock.now
        var queued = 0
        switch message.topic {
        case .channel(let chamber, let channel):
            queued = router.deliver(message.frame, seq: message.seq, chamber: chamber, channel: channel)
        case .user(let chamber, let user):
            queued = ClientConnection.deliver(message.frame, to: connections(ofUser: user, in: chamber), metrics: metrics)
        case .chamber(let chamber):
            queued = ClientConnection.deliver(message.frame, to: connections(in: chamber), metrics: metrics)
        case .cluster:
            receiveCluster(message.frame)
            return
        }
        if message.changesAccess { forgetRights(of: message.topic) }
        metrics.fanoutDeliveries.increment(by: queued)
        let elapsed = ContinuousClock.now - start
        metrics.fanoutDuration.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }

    /// The send rights kept by the audience of `topic` are read again at their next send: a change of them was
    /// announced there, or may have been missed (a resync).
    func forgetRights(of topic: BrokerMessage.Topic) {
        switch topic {
        case .channel(_, let channel): for connection in router.subscribers(of: channel) { connection.forgetRights(in: channel) }
        case .user(let chamber, let user): for connection in connections(ofUser: user, in: chamber) { connection.forgetRights() }
        case .chamber(let chamber): for connection in connections(in: chamber) { connection.forgetRights() }
        case .cluster: break
        }
    }

    /// Events one gap repair reads from the store at most.
    static let repairPage: Int64 = 1_000

    /// Events that wait behind a missing one get it from the store: at once while the broker is out of reach (the
    /// other nodes' events cannot come, and the store has them: a sequence is taken in the transaction that stores
    /// the event, so one seen here means every earlier one is committed), else if it has not arrived shortly.
    private func repairGap(chamber: ChamberID, channel: ChannelID) async {
        if case .ok = brokerHealth {
            do {
                try await clock.sleep(for: .milliseconds(200))
            } catch {
                return
            }
        }
        guard let missing = router.missing(in: channel) else { return }
        metrics.gapRepairs.increment()
        let (span, overflow) = missing.upTo.subtractingReportingOverflow(missing.after)
        // At most a page per read: the rest is repaired by the next (fill reports what remains).
        let upTo = overflow || span > Self.repairPage ? missing.after &+ Self.repairPage : missing.upTo
        let stored = await storedFrames(chamber, channel, after: missing.after, limit: Int(upTo &- missing.after)) ?? []
        let frames = stored.filter { $0.seq <= upTo }
        // What the store does not have either is skipped: readers are told to refetch.
        metrics.fanoutDeliveries.increment(by: router.fill(channel, chamber: chamber, with: frames, upTo: upTo))
        logger.notice("repaired a gap in a channel stream", metadata: ["channel.id": "\(channel)", "events": "\(frames.count)"])
    }

    func connections(ofUser user: UserID, in chamber: ChamberID) -> [ClientConnection] {
        registry.connections(ofUser: user, in: chamber)
    }

    func allConnections() -> [ClientConnection] {
        registry.all
    }

    /// Every channel with a subscriber on this node, with its chamber.
    func routedChannels() -> [(chamber: ChamberID, channel: ChannelID)] {
        router.routedChannels()
    }

    /// Where a channel's stream stands on this node: nil without a route, `.some(nil)` while its first subscriber
    /// is still recovering.
    func routePosition(_ channel: ChannelID) -> Int64?? {
        router.position(of: channel)
    }

    /// A channel's stored events after `after` (at most `limit`), each encoded once, outside any lock; nil when the
    /// store could not be read. Gap repair and catch-up both feed them to the route, which orders them like any other.
    func storedFrames(_ chamber: ChamberID, _ channel: ChannelID, after: Int64, limit: Int) async -> [(seq: Int64, frame: ByteBuffer)]? {
        do {
            return try await eventSource(chamber, channel, after, limit).filter { $0.seq > after }.map { ($0.seq, WireCoding.encode(EventFrame($0))) }
        } catch {
            logger.warning("could not read a channel's events from the store", metadata: ["channel.id": "\(channel)", "error": "\(error)"])
            return nil
        }
    }

    /// Events read from the store, fed to a route like any other (it drops what it has and orders the rest).
    func receive(_ frames: [(seq: Int64, frame: ByteBuffer)], in channel: ChannelID) {
        metrics.fanoutDeliveries.increment(by: router.receive(frames, in: channel))
    }

    func connections(in chamber: ChamberID) -> [ClientConnection] {
        registry.connections(in: chamber)
    }

    /// Tells a channel's readers how far `user` has read, and the user's devices their unread count.
    public func publishReceipt(chamber: ChamberID, channel: ChannelID, user: UserID, seq: Int64, unread: Int) {
        publishEphemeral(
            WireCoding.encode(ReceiptFrame(id: nil, channelId: channel.rawValue, userId: user.rawValue, seq: seq, unreadCount: nil)),
            to: .channel(chamber, channel))
        publishEphemeral(
            WireCoding.encode(ReceiptFrame(id: nil, channelId: channel.rawValue, userId: user.rawValue, seq: seq, unreadCount: unread)),
            to: .user(chamber, user))
    }

    // MARK: Typing

    /// Relays a typing indicator to the channel's subscribers, at most once per user and channel per throttle period.
    public func typing(_ connection: ClientConnection, in channel: ChannelID) {
        let key = "\(channel.rawValue)/\(connection.userID.rawValue)"
        let now = ContinuousClock.now
        let throttle = Duration.milliseconds(configuration.typingThrottleMs)
        let allowed = typing.withLock { table -> Bool in
            if let last = table[key], now - last < throttle { return false }
            table[key] = now
            if table.count > 50_000 { table = table.filter { now - $0.value < throttle } }
            return true
        }
        guard allowed else { return }
        let frame = WireCoding.encode(
            TypingFrame(channelId: channel.rawValue, userId: connection.userID.rawValue, expiresInMs: configuration.typingTtlMs))
        publishEphemeral(frame, to: .channel(connection.chamberID, channel))
    }

    // MARK: Shutdown

    /// Stops taking connections and closes every socket with 1001 (going away: reconnect elsewhere), in batches,
    /// letting each write what it has queued.
    public func drain() async {
        draining.store(true, ordering: .relaxed)
        let all = registry.all
        logger.info("draining connections", metadata: ["connections": "\(all.count)"])
        var index = 0
        while index < all.count {
            for connection in all[index..<min(index + configuration.shutdownBatchSize, all.count)] { connection.close(.goingAway) }
            index += configuration.shutdownBatchSize
            if index < all.count { try? await clock.sleep(for: .milliseconds(configuration.shutdownBatchPauseMs)) }
        }
    }

    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// Leaves the cluster (the other nodes forget this one at once) and closes the broker. After ``drain()``.
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        publishCluster(ClusterMessage(kind: .leaving, node: nodeID))
        broker.shutdown()
        jobs.continuation.finish()
    }
}

extension Hub: MembershipObserver {
    public func memberRemoved(chamberID: ChamberID, userID: UserID) async {
        disconnectEverywhere(user: userID, chamber: chamberID, code: .accessRevoked)
    }

    /// Permissions are read when a socket authenticates: the member's sockets reconnect everywhere to get the new ones.
    public func roleChanged(chamberID: ChamberID, userID: UserID) async {
        disconnectEverywhere(user: userID, chamber: chamberID, code: .accessChanged)
    }
}

extension Hub: SessionObserver {
    /// A sign-in session ended (logout, revoked, password changed or reset): its sockets close on every node at once
    /// with 4503, rather than living on until their token and its grace run out.
    public func sessionsRevoked(userID: UserID, _ sessions: RevokedSessions) async {
        disconnectEverywhere(user: userID, chamber: nil, sessions: sessions, code: .accessRevoked)
    }
}
