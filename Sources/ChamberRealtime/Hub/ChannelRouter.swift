import ChamberDomain
import NIOCore
import Synchronization

/// This node's channel routes: who is subscribed to what, and each stream's order (``ChannelRoute``).
///
/// Routes are spread over several locks by channel, so fan-outs of different channels do not wait for each other.
/// A route's work happens under its lock, so the event loops receive a channel's frames in sequence order. The
/// router tells its owner when a channel's first subscriber arrives and its last leaves (`interest`, under the lock,
/// so the broker hears starts and stops in order), and when a stream has a gap to repair (`gapFound`, once per gap).
final class ChannelRouter: Sendable {
    /// One lock's worth of routes.
    private final class Shard: Sendable {
        let routes = Mutex<[ChannelID: ChannelRoute]>([:])
    }

    private static let shardCount = 16
    private let shards: [Shard]
    private let metrics: HubMetrics
    private let interest: ConnectionRegistry.Interest
    private let gapFound: @Sendable (ChamberID, ChannelID) -> Void

    init(metrics: HubMetrics, interest: @escaping ConnectionRegistry.Interest, gapFound: @escaping @Sendable (ChamberID, ChannelID) -> Void) {
        self.shards = (0..<Self.shardCount).map { _ in Shard() }
        self.metrics = metrics
        self.interest = interest
        self.gapFound = gapFound
    }

    private func shard(_ channel: ChannelID) -> Shard {
        var hasher = Hasher()
        hasher.combine(channel)
        return shards[Int(UInt(bitPattern: hasher.finalize()) % UInt(Self.shardCount))]
    }

    /// Asks for a gap's repair once per gap.
    private func reportGap(_ route: inout ChannelRoute, chamber: ChamberID) {
        guard route.hasGap, !route.repairScheduled else { return }
        route.repairScheduled = true
        gapFound(chamber, route.channelID)
    }

    // MARK: Subscriptions

    /// Adds a subscriber whose recovery is about to be sent: live events wait for it.
    func begin(_ connection: ClientConnection, to channel: ChannelID) {
        shard(channel).routes.withLock { routes in
            if routes[channel] == nil {
                routes[channel] = ChannelRoute(channelID: channel, metrics: metrics)
                interest(.channel(connection.chamberID, channel), true)
            }
            routes[channel]!.addRecovering(connection)
        }
    }

    /// Ends a subscriber's recovery: `confirmation` goes out first, then what waited; returns the frames queued.
    func complete(_ connection: ClientConnection, to channel: ChannelID, lastSent: Int64, channelSeq: Int64, confirmation: ByteBuffer) -> Int {
        shard(channel).routes.withLock { routes -> Int in
            // Under the lock, so it is queued before anything the route sends this connection.
            connection.send(confirmation)
            guard let index = routes.index(forKey: channel) else { return 0 }
            let count = routes.values[index].establish(channelSeq)
            routes.values[index].goLive(connection.id, lastSent: lastSent)
            // What waited for the first subscriber may wait behind a gap too.
            reportGap(&routes.values[index], chamber: connection.chamberID)
            return count
        }
    }

    func remove(_ connection: ClientConnection, from channel: ChannelID) {
        shard(channel).routes.withLock { routes in
            routes[channel]?.subscribers[connection.id] = nil
            if routes[channel]?.subscribers.isEmpty == true {
                routes[channel] = nil
                interest(.channel(connection.chamberID, channel), false)
            }
        }
    }

    /// The connections subscribed to `channel` on this node, recovering or live.
    /// Every channel with a subscriber on this node, with its chamber.
    func routedChannels() -> [(chamber: ChamberID, channel: ChannelID)] {
        shards.flatMap { shard in
            shard.routes.withLock { routes in
                routes.values.compactMap { route in route.subscribers.values.first.map { ($0.connection.chamberID, route.channelID) } }
            }
        }
    }

    func subscribers(of channel: ChannelID) -> [ClientConnection] {
        shard(channel).routes.withLock { routes in routes[channel].map { $0.subscribers.values.map(\.connection) } ?? [] }
    }

    // MARK: Delivery

    /// A frame of a channel from the broker: a stream event (`seq`) in order, or an ephemeral frame (typing,
    /// receipts) to the live subscribers. Returns the frames queued.
    func deliver(_ frame: ByteBuffer, seq: Int64?, chamber: ChamberID, channel: ChannelID) -> Int {
        shard(channel).routes.withLock { routes -> Int in
            // Looked up once, changed in place (this runs for every frame).
            guard let index = routes.index(forKey: channel) else { return 0 }
            guard let seq else {
                let live = routes.values[index].subscribers.values.lazy.filter { $0.held == nil }.map(\.connection)
                return ClientConnection.deliver(frame, to: live, metrics: metrics)
            }
            let count = routes.values[index].receive(seq: seq, frame: frame)
            reportGap(&routes.values[index], chamber: chamber)
            return count
        }
    }

    /// Events read from the store, fed to the route like any other (it drops what it has and orders the rest).
    func receive(_ frames: [(seq: Int64, frame: ByteBuffer)], in channel: ChannelID) -> Int {
        shard(channel).routes.withLock { routes -> Int in
            guard let index = routes.index(forKey: channel) else { return 0 }
            return frames.reduce(0) { $0 + routes.values[index].receive(seq: $1.seq, frame: $1.frame) }
        }
    }

    // MARK: Repair

    /// The span a route is missing events of (after the last it delivered, up to the one before the last waiting:
    /// every hole at once, so one read closes them all), or nil when the gap has closed meanwhile.
    func missing(in channel: ChannelID) -> (after: Int64, upTo: Int64)? {
        shard(channel).routes.withLock { routes in
            guard let route = routes[channel], route.hasGap, let delivered = route.delivered, let last = route.pending.keys.max() else {
                routes[channel]?.repairScheduled = false
                return nil
            }
            return (delivered, last - 1)
        }
    }

    /// Fills a gap with what the store had; what it did not have is skipped (readers are told to refetch, never
    /// left with a silent gap). A gap that remains is reported like one found on delivery. Returns the frames queued.
    func fill(_ channel: ChannelID, chamber: ChamberID, with frames: [(seq: Int64, frame: ByteBuffer)], upTo: Int64) -> Int {
        shard(channel).routes.withLock { routes -> Int in
            guard let index = routes.index(forKey: channel) else { return 0 }
            var queued = frames.reduce(0) { $0 + routes.values[index].receive(seq: $1.seq, frame: $1.frame) }
            // Each hole up to `upTo` the store could not fill is skipped; nothing past what was read.
            while let delivered = routes.values[index].delivered, delivered < upTo, let first = routes.values[index].pending.keys.min(),
                first <= upTo + 1
            {
                queued += routes.values[index].skipGap()
            }
            // This repair is over: a gap still there is a new one.
            routes.values[index].repairScheduled = false
            reportGap(&routes.values[index], chamber: chamber)
            return queued
        }
    }

    /// Where a channel's stream stands on this node: nil without a route, `.some(nil)` while its first subscriber
    /// is still recovering.
    func position(of channel: ChannelID) -> Int64?? {
        shard(channel).routes.withLock { routes in routes[channel].map(\.delivered) }
    }
}
