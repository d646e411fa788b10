import ChamberDomain
import NIOCore

/// A channel's local subscribers and the order of its stream on this node.
///
/// Events may arrive out of order (two sends finishing at once, or several nodes publishing). The route delivers
/// strictly in sequence: an early event waits in `pending` for the missing one, which the hub repairs from the
/// store if it does not come. Each subscriber also remembers the last sequence it was sent, so recovery and live
/// delivery never double or skip.
struct ChannelRoute {
    /// A reference, so fan-out updates each subscriber in place instead of writing back into the dictionary it is
    /// iterating (which would copy the whole dictionary on every publish). Only touched under the shard's lock.
    final class Subscriber {
        let connection: ClientConnection
        /// The highest sequence queued to this subscriber.
        var lastSent: Int64
        /// While the subscriber's recovery is being sent, live events wait here.
        var held: [(seq: Int64, frame: ByteBuffer)]?

        init(connection: ClientConnection, lastSent: Int64, held: [(seq: Int64, frame: ByteBuffer)]?) {
            self.connection = connection
            self.lastSent = lastSent
            self.held = held
        }
    }

    let channelID: ChannelID
    let metrics: HubMetrics
    var subscribers: [ClientConnection.ID: Subscriber] = [:]
    /// The highest sequence delivered in order; nil until the first subscriber established it from the store.
    var delivered: Int64?
    var pending: [Int64: ByteBuffer] = [:]
    var repairScheduled = false
    /// At most this many events wait behind a missing one.
    static let maxPending = 10_000

    /// Whether events are waiting behind a missing one.
    var hasGap: Bool { !pending.isEmpty }

    /// Takes an event of the stream and delivers what is now in order. Returns how many frames were queued.
    mutating func receive(seq: Int64, frame: ByteBuffer) -> Int {
        guard let delivered else {
            pending[seq] = frame
            return 0
        }
        guard seq > delivered else { return 0 }
        pending[seq] = frame
        // Bounded: far too much waiting behind a gap means the gap is real; skip it (readers are told to refetch).
        if pending.count > Self.maxPending { return skipGap() }
        return drain()
    }

    /// Delivers every pending event that is next in sequence.
    mutating func drain() -> Int {
        guard var next = delivered.map({ $0 + 1 }) else { return 0 }
        var queued = 0
        while let frame = pending.removeValue(forKey: next) {
            queued += fanOut(seq: next, frame: frame)
            delivered = next
            next += 1
        }
        return queued
    }

    /// Sets the delivered position if unknown (from a subscriber's look at the store), then delivers what follows.
    mutating func establish(_ position: Int64) -> Int {
        if delivered == nil {
            delivered = position
            pending = pending.filter { $0.key > position }
        }
        return drain()
    }

    /// Gives up waiting for the missing events up to `through` (after repair found nothing): jumps past them.
    mutating func skipGap() -> Int {
        guard let first = pending.keys.min() else { return 0 }
        delivered = first - 1
        return drain()
    }

    /// Hands the frame to every live subscriber that has not had it: one task per event loop (called under the
    /// shard's lock, so the loops receive the channel's frames in sequence order).
    private mutating func fanOut(seq: Int64, frame: ByteBuffer) -> Int {
        var targets = LoopBatches()
        for subscriber in subscribers.values {
            if subscriber.held != nil {
                subscriber.held!.append((seq, frame))
                continue
            }
            guard seq > subscriber.lastSent else { continue }
            if seq > subscriber.lastSent + 1 {
                // Never a silent gap: the reader is told to refetch what it cannot be sent.
                subscriber.connection.send(RecoveryIncompleteFrame(channelId: channelID.rawValue, latestSeq: seq - 1))
            }
            targets.add(subscriber.connection)
            subscriber.lastSent = seq
        }
        return targets.send(frame, metrics: metrics)
    }

    init(channelID: ChannelID, metrics: HubMetrics) {
        self.channelID = channelID
        self.metrics = metrics
    }

    /// Adds a subscriber whose recovery is about to be sent; live events wait for it.
    mutating func addRecovering(_ connection: ClientConnection) {
        subscribers[connection.id] = Subscriber(connection: connection, lastSent: 0, held: [])
    }

    /// The subscriber's recovery went out up to `lastSent`: send what waited, in order, and go live.
    mutating func goLive(_ id: ClientConnection.ID, lastSent: Int64) {
        guard let subscriber = subscribers[id] else { return }
        subscriber.lastSent = lastSent
        // Events this route already passed on before the subscriber's look at the store cannot be replayed here:
        // say so rather than leave a silent gap (the client refetches history up to the sequence named).
        let firstHeld = subscriber.held?.first { $0.seq > lastSent }?.seq
        if let gapEnd = firstHeld.map({ $0 - 1 }) ?? delivered, gapEnd > lastSent {
            subscriber.connection.send(RecoveryIncompleteFrame(channelId: channelID.rawValue, latestSeq: gapEnd))
            subscriber.lastSent = gapEnd
        }
        for (seq, frame) in subscriber.held ?? [] where seq > subscriber.lastSent {
            subscriber.connection.send(frame)
            subscriber.lastSent = seq
        }
        subscriber.held = nil
    }
}
