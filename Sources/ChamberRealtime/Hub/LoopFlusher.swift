import NIOCore
import Synchronization

/// Coalesces flushes on one event loop. While other fan-outs wait on the loop, a fan-out task writes its frame to
/// each connection and leaves the flush to a later task, which runs after the fan-outs already queued there: when
/// publishes arrive faster than the sockets drain, several frames queue for a connection and leave in one `writev`
/// instead of one system call each, which is where a fan-out's CPU goes (the kernel's loopback TCP path costs far
/// more per write than the hub's own work). A fan-out that finds nothing waiting flushes as it writes.
final class LoopFlusher: Sendable {
    private let loop: any EventLoop
    /// What only the loop touches: the fan-outs' target lists as they were (appending a list is one reference, not
    /// one per connection), and whether a flush is scheduled.
    private struct Pending {
        var dirty: [[ClientConnection]] = []
        var scheduled = false

        /// Adds a fan-out's connections; true when a flush must be scheduled for them.
        mutating func add(_ connections: [ClientConnection]) -> Bool {
            dirty.append(connections)
            defer { scheduled = true }
            return !scheduled
        }

        /// What waits to be flushed, and no flush scheduled any more.
        mutating func take() -> [[ClientConnection]] {
            scheduled = false
            defer { dirty = [] }
            return dirty
        }
    }
    private let pending: NIOLoopBoundBox<Pending>
    /// Fan-out tasks handed to the loop and not yet started (counted from any thread).
    private let queuedFanOuts = Atomic<Int>(0)

    private init(loop: any EventLoop) {
        self.loop = loop
        self.pending = NIOLoopBoundBox.makeBoxSendingValue(Pending(), eventLoop: loop)
    }

    private static let flushers = Mutex<[ObjectIdentifier: LoopFlusher]>([:])

    /// The flusher of `loop` (one per loop for the life of the process).
    static func of(_ loop: any EventLoop) -> LoopFlusher {
        flushers.withLock { flushers in
            if let flusher = flushers[ObjectIdentifier(loop)] { return flusher }
            let flusher = LoopFlusher(loop: loop)
            flushers[ObjectIdentifier(loop)] = flusher
            return flusher
        }
    }

    /// A fan-out task is about to be handed to the loop (any thread).
    func fanOutQueued() {
        queuedFanOuts.add(1, ordering: .relaxed)
    }

    /// A fan-out task starts (on the loop); true when no other fan-out waits behind it and no flush is pending,
    /// so it should flush as it writes.
    func fanOutStarts() -> Bool {
        let waiting = queuedFanOuts.subtract(1, ordering: .relaxed).newValue
        return waiting == 0 && !pending.value.scheduled
    }

    /// Flushes `connections` once the loop has run the tasks queued so far. On the loop only.
    func flushSoon(_ connections: [ClientConnection]) {
        guard pending.value.add(connections) else { return }
        loop.execute { self.flushAll() }
    }

    private func flushAll() {
        let batches = pending.value.take()
        // A connection in several batches is flushed by the first; the others find nothing written since.
        for connections in batches {
            for connection in connections { connection.flushOnLoop() }
        }
    }
}
