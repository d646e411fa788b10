import ChamberDomain
import CoreMetrics
import Foundation
import NIOCore
import Synchronization

/// One live socket as the hub sees it: who it is, what it is subscribed to, and its bounded outbox.
///
/// The transport drains the outbox with ``writeLoop(_:)``; the hub and the session only ever enqueue, which costs
/// a lock and an append: no task or hop per frame. A connection that falls past its byte limit is closed.
public final class ClientConnection: Sendable, Hashable {
    public typealias ID = UInt64

    public let id: ID
    public let chamberID: ChamberID
    public let userID: UserID
    private let state: Mutex<State>
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: Mutex<AsyncStream<Void>?>
    private let metrics: HubMetrics
    private let abortHandler = Mutex<(@Sendable () -> Void)?>(nil)

    struct State {
        var outbox: Outbox
        var closeCode: CloseCode?
        var subscriptions: Set<ChannelID> = []
        var status: PresenceStatus = .online
    }

    init(id: ID, chamberID: ChamberID, userID: UserID, outboundLimit: Int, metrics: HubMetrics) {
        self.id = id
        self.chamberID = chamberID
        self.userID = userID
        self.metrics = metrics
        self.state = Mutex(State(outbox: Outbox(limit: outboundLimit)))
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.wake = continuation
        self.wakes = Mutex(stream)
    }

    /// Queues a frame. Returns false when the connection is closing or was just closed for falling behind.
    @discardableResult
    public func send(_ frame: ByteBuffer) -> Bool {
        let result = state.withLock { $0.outbox.enqueue(frame) }
        switch result {
        case .queued(let wake):
            if wake { self.wake.yield() }
            return true
        case .overflow:
            metrics.slowConsumerClosed.increment()
            close(.slowConsumer)
            return false
        case .closed:
            return false
        }
    }

    /// Queues an encodable frame (encoded for this connection only: use ``send(_:)`` with a shared buffer for fan-out).
    @discardableResult
    public func send(_ frame: some Encodable) -> Bool { send(WireCoding.encode(frame)) }

    /// Starts closing: nothing more is queued, queued frames are dropped (for a slow consumer) or written first
    /// (for any other reason), and the transport closes the socket with `code`.
    public func close(_ code: CloseCode) {
        let first = state.withLock { state -> Bool in
            guard state.closeCode == nil else { return false }
            state.closeCode = code
            if code == .slowConsumer { state.outbox.close() }
            return true
        }
        if first { wake.finish() }
        // A slow consumer's writer may be stuck behind TCP backpressure: drop the connection instead of waiting.
        if first, code == .slowConsumer { abortHandler.withLock { $0 }?() }
    }

    /// Sets how the transport drops the connection at once (used for slow consumers).
    public func onAbort(_ handler: @escaping @Sendable () -> Void) {
        abortHandler.withLock { $0 = handler }
    }

    /// Why the connection is closing, once it is.
    public var closeCode: CloseCode? { state.withLock { $0.closeCode } }

    /// Runs until the connection closes, handing every batch of queued frames to `write` (in order).
    /// Only the transport calls this, once.
    public func writeLoop(_ write: ([ByteBuffer]) async throws -> Void) async throws {
        guard let stream = wakes.withLock({ stream -> AsyncStream<Void>? in defer { stream = nil }; return stream }) else { return }
        var iterator = stream.makeAsyncIterator()
        while true {
            let batch = state.withLock { $0.outbox.drain() }
            if !batch.isEmpty {
                try await write(batch)
                metrics.framesOut.increment(by: batch.count)
                continue
            }
            if await iterator.next() == nil {
                // Closing: write what a graceful close left queued, then stop.
                let rest = state.withLock { $0.outbox.drain() }
                if !rest.isEmpty { try await write(rest) }
                return
            }
        }
    }

    /// Empties the outbox without writing (benchmarks measure fan-out alone this way). Returns the frames dropped.
    package func discardQueued() -> Int { state.withLock { $0.outbox.drain().count } }

    var subscriptions: Set<ChannelID> { state.withLock { $0.subscriptions } }

    func addSubscription(_ channel: ChannelID) -> Bool { state.withLock { $0.subscriptions.insert(channel).inserted } }

    func removeSubscription(_ channel: ChannelID) -> Bool { state.withLock { $0.subscriptions.remove(channel) != nil } }

    var status: PresenceStatus {
        get { state.withLock { $0.status } }
    }

    func setStatus(_ status: PresenceStatus) { state.withLock { $0.status = status } }

    public static func == (lhs: ClientConnection, rhs: ClientConnection) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

/// A user's presence in a chamber.
public enum PresenceStatus: String, Sendable, Codable {
    case online, away, offline
}
