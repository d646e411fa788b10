import ChamberDomain
import CoreMetrics
import Foundation
import NIOCore
import Synchronization

/// One live socket as the hub sees it: who it is, what it is subscribed to, and where its frames go.
///
/// Frames are written straight to the transport's channel on its event loop: the hub hands a batch of connections
/// of one loop to that loop in a single task, and each connection writes the shared buffer; the flush follows at
/// once, or after the fan-outs waiting on the loop (see ``LoopFlusher``). Only while the channel is not writable do
/// frames wait in an outbox, bounded in bytes; past the bound the connection is dropped as a slow consumer. No task
/// or actor hop per frame or per subscriber.
public final class ClientConnection: Sendable, Hashable {
    public typealias ID = UInt64

    public let id: ID
    public let chamberID: ChamberID
    public let userID: UserID
    /// The sign-in session whose token opened it (nil for connections made without one, in benchmarks): when that
    /// session ends, the connection closes.
    public let sessionID: SessionID?
    public let eventLoop: any EventLoop
    /// Its loop's flusher, looked up once rather than under a global lock on every fan-out.
    let flusher: LoopFlusher
    private let sink: any FrameSink
    private let state: Mutex<State>
    private let metrics: HubMetrics

    struct State {
        var lifecycle: ConnectionLifecycle
        /// Told once the close is done (see ``whenClosed(_:)``).
        var onClosed: (@Sendable (CloseCode) -> Void)?
        var subscriptions: Set<ChannelID> = []
        var status: PresenceStatus = .online
        var rights = KeptRights()
    }

    init(id: ID, chamberID: ChamberID, userID: UserID, sessionID: SessionID?, sink: any FrameSink, outboundLimit: Int, metrics: HubMetrics) {
        self.id = id
        self.chamberID = chamberID
        self.userID = userID
        self.sessionID = sessionID
        self.sink = sink
        self.eventLoop = sink.eventLoop
        self.flusher = LoopFlusher.of(sink.eventLoop)
        self.metrics = metrics
        self.state = Mutex(State(lifecycle: ConnectionLifecycle(outboundLimit: outboundLimit)))
    }

    // MARK: Sending

    /// Sends a frame from any thread (one hop to the connection's event loop). Fan-out uses ``enqueueOnLoop(_:)``
    /// in batches instead.
    public func send(_ frame: ByteBuffer) {
        send([frame])
    }

    /// Sends frames in order with one hop and one flush (a recovery replay).
    public func send(_ frames: [ByteBuffer]) {
        let metrics = self.metrics
        eventLoop.execute {
            var written = 0
            for frame in frames where self.enqueueOnLoop(frame) { written += 1 }
            metrics.framesOut.increment(by: written)
            self.flushOnLoop()
        }
    }

    /// Encodes a frame for this connection only and sends it (replies; fan-out shares one encoding instead).
    public func send(_ frame: some Encodable) { send(WireCoding.encode(frame)) }

    /// Writes the frame now if the channel takes it, else queues it; true when written now. With `flush`, a
    /// written frame leaves at once (with anything written before it); otherwise a later ``flushOnLoop()`` sends
    /// it. On the connection's event loop only. Callers count what was written, once per batch.
    @discardableResult
    func enqueueOnLoop(_ frame: ByteBuffer, flush: Bool = false) -> Bool {
        // A frame sent before `close` is still written: its enqueueing was scheduled on the loop before the closing
        // task, which writes what is queued. Only after that (or for a slow consumer) is it dropped.
        let action = state.withLock { $0.lifecycle.enqueue(frame, flushing: flush) }
        switch action {
        case .write:
            // Outside the lock: a write may flip writability, which calls back into this connection.
            sink.write(frame)
            if flush { sink.flush() }
            return true
        case .overflow:
            metrics.slowConsumerClosed.increment()
            close(.slowConsumer)
            return false
        case .queued, .drop:
            return false
        }
    }

    /// Flushes what was written since the last flush. On the connection's event loop only.
    func flushOnLoop() {
        if state.withLock({ $0.lifecycle.takeDirty() }) { sink.flush() }
    }

    /// The transport reports the channel's writability; when it can write again, everything queued goes out
    /// together in one flush. On the connection's event loop only.
    public func writabilityChanged(_ writable: Bool) {
        let queued = state.withLock { $0.lifecycle.writabilityChanged(writable) }
        guard !queued.isEmpty else { return }
        for frame in queued { sink.write(frame) }
        metrics.framesOut.increment(by: queued.count)
        sink.flush()
    }

    // MARK: Closing

    /// Starts closing with `code`: nothing more is accepted. A slow consumer is dropped at once; otherwise what is
    /// queued is written first, then the transport closes the socket with the code (see ``whenClosed(_:)``).
    public func close(_ code: CloseCode) {
        switch state.withLock({ $0.lifecycle.close(code) }) {
        case .none:
            return
        case .abort:
            sink.eventLoop.execute { self.sink.abort() }
            closed(code)
        case .drainThenClose:
            eventLoop.execute {
                let rest = self.state.withLock { $0.lifecycle.drainForClose() }
                for frame in rest { self.sink.write(frame) }
                self.sink.flush()
                self.closed(code)
            }
        }
    }

    /// Calls `handler` once, when the connection is closing and its queued frames are written (at once if that has
    /// happened already), with the reason. For the transport, which then closes the socket: a callback rather than
    /// a task waiting per connection, since an idle connection should cost as little memory as possible.
    public func whenClosed(_ handler: @escaping @Sendable (CloseCode) -> Void) {
        let code = state.withLock { state -> CloseCode? in
            if state.lifecycle.closedCode == nil { state.onClosed = handler }
            return state.lifecycle.closedCode
        }
        if let code { handler(code) }
    }

    private func closed(_ code: CloseCode) {
        let handler = state.withLock { state -> (@Sendable (CloseCode) -> Void)? in
            state.lifecycle.closed()
            defer { state.onClosed = nil }
            return state.onClosed
        }
        handler?(code)
    }

    /// Why the connection is closing, once it is.
    public var closeCode: CloseCode? { state.withLock { $0.lifecycle.closeCode } }

    // MARK: Subscriptions and presence

    package var subscriptions: Set<ChannelID> { state.withLock { $0.subscriptions } }

    func addSubscription(_ channel: ChannelID) -> Bool { state.withLock { $0.subscriptions.insert(channel).inserted } }

    func removeSubscription(_ channel: ChannelID) -> Bool {
        state.withLock { state in
            state.rights.forget(channel)
            return state.subscriptions.remove(channel) != nil
        }
    }

    // MARK: Send rights

    /// The rights kept for a send to `channel` (none unless subscribed to it), and the generation to hand back to
    /// ``keep(_:in:readAt:)`` with rights read now.
    public func keptRights(in channel: ChannelID) -> (rights: SendRights?, generation: UInt64) {
        let now = ContinuousClock.now
        return state.withLock { state in
            (state.subscriptions.contains(channel) ? state.rights.rights(in: channel, now: now) : nil, state.rights.generation)
        }
    }

    /// Keeps rights read for a send to `channel` while subscribed to it, unless a change was announced since
    /// `readAt` (``keptRights(in:)``'s generation).
    public func keep(_ rights: SendRights, in channel: ChannelID, readAt: UInt64) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard state.subscriptions.contains(channel) else { return }
            state.rights.keep(rights, in: channel, readAt: readAt, now: now)
        }
    }

    /// A change of rights was announced: in `channel`, or in every channel (the user's sanctions) when nil.
    func forgetRights(in channel: ChannelID? = nil) {
        state.withLock { $0.rights.forget(channel) }
    }

    var status: PresenceStatus { state.withLock { $0.status } }

    func setStatus(_ status: PresenceStatus) { state.withLock { $0.status = status } }

    public static func == (lhs: ClientConnection, rhs: ClientConnection) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

/// A user's presence in a chamber.
public enum PresenceStatus: String, Sendable, Codable {
    case online, away, offline
}

/// The connections one shared frame goes to, grouped by event loop as they are added, so a fan-out costs one task
/// per event loop: each connection is written once. When no other fan-out waits on the loop, each is flushed as
/// it is written (one pass over the sockets); otherwise the loop's ``LoopFlusher`` flushes them after the waiting
/// fan-outs, so frames that queue for a socket leave together.
struct LoopBatches {
    private var byLoop: [ObjectIdentifier: (loop: any EventLoop, flusher: LoopFlusher, connections: [ClientConnection])] = [:]
    private(set) var count = 0

    mutating func add(_ connection: ClientConnection) {
        byLoop[ObjectIdentifier(connection.eventLoop), default: (connection.eventLoop, connection.flusher, [])].connections.append(connection)
        count += 1
    }

    /// Hands the frame to each loop; returns how many connections it went to.
    @discardableResult
    func send(_ frame: ByteBuffer, metrics: HubMetrics) -> Int {
        for (_, batch) in byLoop {
            let (connections, flusher) = (batch.connections, batch.flusher)
            flusher.fanOutQueued()
            batch.loop.execute {
                let alone = flusher.fanOutStarts()
                var written = 0
                for connection in connections where connection.enqueueOnLoop(frame, flush: alone) { written += 1 }
                if !alone { flusher.flushSoon(connections) }
                metrics.framesOut.increment(by: written)
            }
        }
        return count
    }
}

extension ClientConnection {
    /// Delivers one shared frame to many connections (see ``LoopBatches``).
    @discardableResult
    static func deliver(_ frame: ByteBuffer, to connections: some Sequence<ClientConnection>, metrics: HubMetrics) -> Int {
        var batches = LoopBatches()
        for connection in connections { batches.add(connection) }
        return batches.send(frame, metrics: metrics)
    }
}
