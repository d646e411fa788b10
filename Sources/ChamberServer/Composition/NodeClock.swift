import Foundation
import Synchronization

/// The time every service of a node reads: the database's clock, read at start and every minute, carried forward
/// between readings by the node's monotonic clock.
///
/// Nodes compare instants another node wrote: a job's lease (`claimed_until`), a retry's `not_before`, a member's
/// last post under slow mode, a session's expiry. On their own wall clocks, a node whose clock ran a minute ahead
/// would take over every lease as soon as it was written and send its jobs a second time. Anchored to the one
/// database they share, they agree to within half a round trip, and a wall clock stepped under a running node
/// (by NTP or by hand) changes nothing: only the monotonic clock advances the time between readings.
public final class NodeClock: Sendable {
    /// A reading: the database's time at a monotonic instant, and how far the node's wall clock was from it.
    struct Anchor: Sendable, Equatable {
        var databaseTime: Date
        var monotonic: Duration
        /// The node's wall clock minus the database's, in seconds (positive: the node runs ahead).
        var offset: TimeInterval
    }

    /// A reading that took longer than this is not trusted: its error is up to half of it.
    static let slowestReading: Duration = .seconds(1)

    private let anchor: Mutex<Anchor>
    private let monotonic: @Sendable () -> Duration
    private let wall: @Sendable () -> Date

    /// A clock on the host's monotonic and wall clocks; until its first reading, the host's wall clock stands in.
    public convenience init() {
        self.init(monotonic: { NodeClock.epoch.duration(to: .now) }, wall: Date.init)
    }

    /// - Parameters:
    ///   - monotonic: time since an arbitrary start that never steps (tests give their own).
    ///   - wall: the host's wall clock, only to report how far it is from the database's.
    init(monotonic: @escaping @Sendable () -> Duration, wall: @escaping @Sendable () -> Date) {
        self.monotonic = monotonic
        self.wall = wall
        // Until the first reading, the host's clock stands in.
        anchor = Mutex(Anchor(databaseTime: wall(), monotonic: monotonic(), offset: 0))
    }

    /// A fixed monotonic origin, so that instants become durations.
    static let epoch = ContinuousClock.now

    /// The node's time now.
    public func now() -> Date {
        let anchor = anchor.withLock { $0 }
        return anchor.databaseTime.addingTimeInterval((monotonic() - anchor.monotonic).seconds)
    }

    /// How far the host's wall clock was from the database's at the last reading, in seconds.
    public var offset: TimeInterval { anchor.withLock { $0.offset } }

    /// Reads the database's clock and carries the node's time forward from it. A reading slower than
    /// ``slowestReading`` is dropped (the previous one stands); returns whether this one was kept.
    @discardableResult
    public func synchronize(reading: () async throws -> Date) async throws -> Bool {
        let before = monotonic()
        let databaseTime = try await reading()
        let after = monotonic()
        guard after - before <= Self.slowestReading else { return false }
        // The database read its clock somewhere in the round trip: the middle errs by half of it at most.
        let middle = before + (after - before) / 2
        let wallAtMiddle = wall().addingTimeInterval(-((after - middle).seconds))
        anchor.withLock {
            $0 = Anchor(databaseTime: databaseTime, monotonic: middle, offset: wallAtMiddle.timeIntervalSince(databaseTime))
        }
        return true
    }
}

extension Duration {
    /// The duration in seconds, with its fraction.
    fileprivate var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
