import NIOCore
import Synchronization

/// Keeps idle sockets honest with one timer per event loop instead of one per socket: every `interval`, each socket
/// of the loop that received nothing since the last sweep is pinged, and one that has not answered the previous
/// ping either is dropped (its peer is gone).
final class KeepaliveSweep: Sendable {
    /// A socket the sweep looks after.
    protocol Member: AnyObject {
        /// Called on the loop at each sweep.
        func keepaliveSweep()
    }

    private let loop: any EventLoop
    private let interval: TimeAmount
    private let members: NIOLoopBoundBox<[ObjectIdentifier: any Member]>
    private let timer: NIOLoopBoundBox<RepeatedTask?>

    private init(loop: any EventLoop, interval: TimeAmount) {
        self.loop = loop
        self.interval = interval
        self.members = NIOLoopBoundBox([:], eventLoop: loop)
        self.timer = NIOLoopBoundBox(nil, eventLoop: loop)
    }

    private static let sweeps = Mutex<[ObjectIdentifier: KeepaliveSweep]>([:])

    /// The sweep of `loop` (one per loop and interval, made on first use).
    static func on(_ loop: any EventLoop, interval: TimeAmount) -> KeepaliveSweep {
        sweeps.withLock { sweeps in
            let key = ObjectIdentifier(loop as AnyObject)
            if let sweep = sweeps[key], sweep.interval == interval { return sweep }
            let sweep = KeepaliveSweep(loop: loop, interval: interval)
            sweeps[key] = sweep
            return sweep
        }
    }

    /// Adds a socket (on the loop). The timer runs while the loop has sockets.
    func add(_ member: any Member) {
        members.value[ObjectIdentifier(member)] = member
        guard timer.value == nil else { return }
        timer.value = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
            for member in members.value.values { member.keepaliveSweep() }
        }
    }

    /// Removes a socket (on the loop).
    func remove(_ member: any Member) {
        members.value[ObjectIdentifier(member)] = nil
        if members.value.isEmpty {
            timer.value?.cancel()
            timer.value = nil
        }
    }
}
