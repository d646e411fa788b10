import ChamberDomain
import ChamberRealtime
import CoreMetrics
import Foundation
import Logging
import Metrics
import NIOCore
import Synchronization

/// Fan-out between nodes through Redis pub/sub.
///
/// Two connections, each on a thread of its own (hiredis blocks; NIO's loops and the cooperative pool never wait
/// on it):
/// - the **publisher** takes everything queued since its last round trip and pipelines it: one write, one read of
///   all the replies. Under load one round trip carries hundreds of messages.
/// - the **subscriber** runs a `poll` loop over its socket and a wake-up pipe; the hub's interest changes (a channel's
///   first local subscriber, its last leaving) wake it, and it subscribes or unsubscribes upstream. Each node thus
///   receives only the topics it has audience for, plus the cluster topic.
///
/// A message is delivered to this node's own subscribers at once (no round trip), so its echo from Redis is
/// dropped. When Redis is unreachable the node keeps serving locally: channel events, announced changes of access
/// and cluster messages wait in a bounded queue (typing, receipts and presence frames are dropped; they are stale by then), `health` is degraded
/// with the reason, and both connections retry with backoff. After reconnecting, the subscriber resubscribes and
/// asks the hub to catch up every channel from the store; the publisher sends what waited and tells the other nodes
/// to catch up too (anything it dropped is in the store).
public final class RedisBroker: Broker {
    public struct Options: Sendable {
        /// Prefix of Redis channel names.
        public var prefix = "chamberconnect"
        public var connectTimeout: Duration = .seconds(2)
        public var ioTimeout: Duration = .seconds(5)
        /// Most messages in one pipelined round trip.
        public var maxBatch = 1_000
        /// Bytes of messages kept while Redis is unreachable; the oldest go first past it.
        public var queueLimitBytes = 64 << 20
        public var backoffInitial: Duration = .milliseconds(100)
        public var backoffMax: Duration = .seconds(5)

        public init() {}
    }

    /// This process's id on the wire: its own echo is recognised by it.
    public let origin = UInt64.random(in: 1...UInt64.max)
    public let endpoint: RedisEndpoint
    private let options: Options
    private let wire: RedisWireFormat
    private let logger: Logger

    private struct Outgoing {
        let channel: [UInt8]
        let payload: [UInt8]
    }

    /// The publisher's queue and state, under `queueSignal`'s lock.
    private final class PublishQueue: @unchecked Sendable {
        let signal = NSCondition()
        var items = CircularBuffer<Outgoing>()
        var bytes = 0
        var connected = false
        var error: String? = "connecting"
        /// Something durable was dropped or may not have arrived: the other nodes are told to catch up.
        var owesResync = false
        var stopped = false
    }

    private struct SubscriberState {
        var listening: Set<BrokerMessage.Topic> = [.cluster]
        /// Raised with every change of `listening`, so the subscriber diffs only after a change.
        var interestVersion = 0
        var error: String? = "connecting"
        var stopped = false
        var fileDescriptor: Int32 = -1
    }

    private let queue = PublishQueue()
    private let subscriber = Mutex(SubscriberState())
    /// Apart from the subscriber's state: every publish reads it, and should not wait on the subscriber thread.
    private let handlers = Mutex<BrokerHandlers?>(nil)
    /// A pipe that wakes the subscriber's poll: [read end, write end].
    private let wakePipe: [Int32]

    private let published = Counter(label: "chamber_broker_published_total")
    private let batches = Counter(label: "chamber_broker_publish_batches_total")
    private let received = Counter(label: "chamber_broker_received_total")
    private let dropped = Counter(label: "chamber_broker_dropped_total")
    private let reconnects = Counter(label: "chamber_broker_reconnects_total")

    public init(endpoint: RedisEndpoint, options: Options = .init(), logger: Logger) {
        self.endpoint = endpoint
        self.options = options
        self.wire = RedisWireFormat(prefix: options.prefix)
        self.logger = logger
        var pipeEnds: [Int32] = [-1, -1]
        _ = pipe(&pipeEnds)
        for end in pipeEnds { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
        self.wakePipe = pipeEnds
    }

    deinit {
        close(wakePipe[0])
        close(wakePipe[1])
    }

    // MARK: Broker

    public func attach(_ handlers: BrokerHandlers) {
        self.handlers.withLock { $0 = handlers }
        let publisher = Thread { [self] in runPublisher() }
        publisher.name = "redis-publisher"
        publisher.start()
        let subscriberThread = Thread { [self] in runSubscriber() }
        subscriberThread.name = "redis-subscriber"
        subscriberThread.start()
    }

    public func publish(_ message: BrokerMessage) {
        handlers.withLock { $0 }?.deliver(message)
        let durable = message.seq != nil || message.topic == .cluster || message.changesAccess
        let item = Outgoing(channel: Array(wire.channelName(message.topic).utf8), payload: wire.encode(message, origin: origin))
        enqueue(item, durable: durable)
    }

    public func listen(_ topic: BrokerMessage.Topic, _ listening: Bool) {
        guard topic != .cluster else { return }
        let changed = subscriber.withLock { state in
            let changed = listening ? state.listening.insert(topic).inserted : state.listening.remove(topic) != nil
            if changed { state.interestVersion &+= 1 }
            return changed
        }
        if changed { wake() }
    }

    public var health: BrokerHealth {
        queue.signal.lock()
        let publisherError = queue.error
        queue.signal.unlock()
        let subscriberError = subscriber.withLock { $0.error }
        guard let reason = publisherError ?? subscriberError else { return .ok }
        return .degraded("redis \(endpoint) unreachable (\(reason)); local connections are served, retrying")
    }

    public var kind: String { "redis" }

    /// Stops both threads. The publisher first sends what is queued (if Redis is there; a blocked write gives up after
    /// the I/O timeout); the subscriber's socket is shut down at once.
    public func shutdown() {
        queue.signal.lock()
        queue.stopped = true
        queue.signal.broadcast()
        queue.signal.unlock()
        handlers.withLock { $0 = nil }
        let subscriberDescriptor = subscriber.withLock { state in
            state.stopped = true
            return state.fileDescriptor
        }
        wake()
        if subscriberDescriptor >= 0 { RedisConnection.shutdown(fileDescriptor: subscriberDescriptor) }
    }

    // MARK: Publisher

    private func enqueue(_ item: Outgoing, durable: Bool) {
        queue.signal.lock()
        defer { queue.signal.unlock() }
        guard !queue.stopped else { return }
        if !queue.connected && !durable {
            dropped.increment()
            return
        }
        queue.items.append(item)
        queue.bytes += item.payload.count + item.channel.count
        while queue.bytes > options.queueLimitBytes, let oldest = queue.items.popFirst() {
            queue.bytes -= oldest.payload.count + oldest.channel.count
            queue.owesResync = true
            dropped.increment()
        }
        if queue.items.count == 1 { queue.signal.signal() }
    }

    /// Waits for queued messages; nil once stopped and everything queued is sent (the last messages of a node
    /// that stops, its goodbye among them, still go out).
    private func nextBatch() -> [Outgoing]? {
        queue.signal.lock()
        defer { queue.signal.unlock() }
        while queue.items.isEmpty && !queue.stopped {
            _ = queue.signal.wait(until: Date(timeIntervalSinceNow: 1))
        }
        guard !queue.items.isEmpty else { return nil }
        var batch: [Outgoing] = []
        batch.reserveCapacity(min(queue.items.count, options.maxBatch))
        while batch.count < options.maxBatch, let item = queue.items.popFirst() {
            queue.bytes -= item.payload.count + item.channel.count
            batch.append(item)
        }
        return batch
    }

    /// Connects, retrying with backoff while Redis is out of reach (`failed` records why, for `health`), and runs
    /// `session` on each connection until it ends; returns once `isStopped`.
    private func keepConnected(
        _ role: String, isStopped: () -> Bool, failed: (String) -> Void,
        session: (RedisConnection, _ reconnected: Bool) -> Void
    ) {
        var backoff = options.backoffInitial
        var connectedBefore = false
        // Whether this node reaches Redis now, per connection: an alert sees an outage while it lasts, which the
        // reconnect count shows only once it is over.
        let connected = Gauge(label: "chamber_broker_connected", dimensions: [("role", role)])
        while !isStopped() {
            let connection: RedisConnection
            do {
                connection = try RedisConnection(endpoint, connectTimeout: options.connectTimeout, ioTimeout: options.ioTimeout)
            } catch {
                connected.record(0)
                failed(error.description)
                Thread.sleep(forTimeInterval: backoff.seconds)
                backoff = min(backoff * 2, options.backoffMax)
                continue
            }
            backoff = options.backoffInitial
            if connectedBefore {
                reconnects.increment()
                logger.notice("redis \(role) reconnected", metadata: ["redis": "\(endpoint)"])
            }
            connected.record(1)
            session(connection, connectedBefore)
            connected.record(0)
            connectedBefore = true
        }
    }

    private func runPublisher() {
        let publish = Array("PUBLISH".utf8)
        keepConnected("publisher", isStopped: { isPublisherStopped }, failed: setPublisher(error:)) { connection, reconnected in
            queue.signal.lock()
            queue.connected = true
            queue.error = nil
            if reconnected { queue.owesResync = true }
            queue.signal.unlock()
            while let batch = nextBatch() {
                do {
                    if takeResyncDebt() {
                        // Before the batch, so the others catch up from the store while newer messages arrive live.
                        let resync = wire.encode(BrokerMessage(topic: .cluster, seq: nil, frame: ByteBuffer()), origin: origin, kind: .resync)
                        connection.append([publish, Array(wire.channelName(.cluster).utf8), resync])
                        _ = try connection.nextReply()
                    }
                    for item in batch { connection.append([publish, item.channel, item.payload]) }
                    for _ in batch {
                        if case .error(let message) = try connection.nextReply() {
                            logger.warning("redis refused a publish", metadata: ["error": "\(message)"])
                        }
                    }
                    published.increment(by: batch.count)
                    batches.increment()
                } catch {
                    // Some of the batch may have arrived: sending it again can repeat messages, which receivers
                    // drop (sequence) or do twice harmlessly; losing them could not be noticed.
                    requeue(batch)
                    setPublisher(error: "\(error)")
                    logger.warning("redis publisher lost its connection", metadata: ["redis": "\(endpoint)", "error": "\(error)"])
                    return
                }
            }
        }
    }

    private var isPublisherStopped: Bool {
        queue.signal.lock()
        defer { queue.signal.unlock() }
        return queue.stopped
    }

    private func takeResyncDebt() -> Bool {
        queue.signal.lock()
        defer { queue.signal.unlock() }
        defer { queue.owesResync = false }
        return queue.owesResync
    }

    private func requeue(_ batch: [Outgoing]) {
        queue.signal.lock()
        defer { queue.signal.unlock() }
        for item in batch.reversed() {
            queue.items.prepend(item)
            queue.bytes += item.payload.count + item.channel.count
        }
        queue.owesResync = true
    }

    private func setPublisher(error: String) {
        queue.signal.lock()
        queue.connected = false
        queue.error = error
        queue.signal.unlock()
    }

    // MARK: Subscriber

    private func wake() {
        var one: UInt8 = 1
        _ = write(wakePipe[1], &one, 1)
    }

    private func runSubscriber() {
        keepConnected(
            "subscriber", isStopped: { subscriber.withLock { $0.stopped } },
            failed: { reason in subscriber.withLock { $0.error = reason } }
        ) { connection, reconnected in
            subscriber.withLock { state in
                state.error = nil
                state.fileDescriptor = connection.fileDescriptor
            }
            if reconnected { logger.notice("redis subscriber resubscribes", metadata: ["redis": "\(endpoint)"]) }
            do {
                try serve(connection)
            } catch {
                let stopped = subscriber.withLock { state in
                    state.error = "\(error)"
                    state.fileDescriptor = -1
                    return state.stopped
                }
                if !stopped {
                    logger.warning("redis subscriber lost its connection", metadata: ["redis": "\(endpoint)", "error": "\(error)"])
                }
            }
        }
    }

    /// Keeps the upstream subscriptions equal to the hub's interest and delivers what arrives, until an error.
    private func serve(_ connection: RedisConnection) throws(RedisError) {
        var upstream: [String: BrokerMessage.Topic] = [:]
        var appliedVersion: Int?
        var unflushed = false
        let subscribe = Array("SUBSCRIBE".utf8)
        let unsubscribe = Array("UNSUBSCRIBE".utf8)
        while true {
            let (version, stopped) = subscriber.withLock { ($0.interestVersion, $0.stopped) }
            guard !stopped, let handlers = handlers.withLock({ $0 }) else { throw RedisError(.closed, "stopped") }
            if version != appliedVersion {
                // Interest changed (or a new connection): subscribe and unsubscribe the difference.
                let listening = subscriber.withLock { $0.listening }
                var desired: [String: BrokerMessage.Topic] = [:]
                for topic in listening { desired[wire.channelName(topic)] = topic }
                let added = desired.keys.filter { upstream[$0] == nil }
                let removed = upstream.keys.filter { desired[$0] == nil }
                for chunk in added.chunks(of: 500) { connection.append([subscribe] + chunk.map { Array($0.utf8) }); unflushed = true }
                for chunk in removed.chunks(of: 500) { connection.append([unsubscribe] + chunk.map { Array($0.utf8) }); unflushed = true }
                upstream = desired
                appliedVersion = version
            }
            if unflushed { unflushed = !(try connection.flushOutput()) }

            var descriptors = [
                pollfd(fd: connection.fileDescriptor, events: Int16(POLLIN) | (unflushed ? Int16(POLLOUT) : 0), revents: 0),
                pollfd(fd: wakePipe[0], events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 2, 1_000)
            if ready < 0 && errno != EINTR { throw RedisError(.io, "poll: \(String(cString: strerror(errno)))") }
            if descriptors[1].revents & Int16(POLLIN) != 0 {
                var drained = [UInt8](repeating: 0, count: 64)
                while read(wakePipe[0], &drained, 64) > 0 {}
            }
            guard descriptors[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 else { continue }
            try connection.readAvailable()
            var confirmed: [BrokerMessage.Topic] = []
            while let reply = try connection.bufferedReply() {
                guard case .array(let parts) = reply, parts.count == 3, case .bulk(let kind) = parts[0] else { continue }
                switch kind {
                case Array("message".utf8):
                    guard case .bulk(let payload) = parts[2], let envelope = wire.decode(payload), envelope.origin != origin else { continue }
                    received.increment()
                    switch envelope.kind {
                    case .message: handlers.deliver(envelope.message)
                    case .resync: handlers.resync(Array(upstream.values))
                    }
                case Array("subscribe".utf8):
                    if case .bulk(let name) = parts[1], let topic = upstream[String(decoding: name, as: UTF8.self)] { confirmed.append(topic) }
                default:
                    continue
                }
            }
            if !confirmed.isEmpty { handlers.resync(confirmed) }
        }
    }
}

extension Duration {
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension Array {
    fileprivate func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
