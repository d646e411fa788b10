import NIOCore
import Synchronization

/// Coalesces flushes on one event loop. A fan-out task writes its frame to each connection and marks it dirty;
/// the flush runs as a later task on the same loop, after the fan-out tasks already queued there. When publishes
/// arrive faster than the sockets drain, several frames queue for a connection and leave in one `writev` instead
/// of one system call each, which is where a fan-out's CPU goes (the kernel's loopback TCP path costs far more per
/// write than the hub's own work). When the loop is idle, the flush runs right after the one fan-out task.
final class LoopFlusher: @unchecked Sendable {
    // Unchecked: `dirty` and `scheduled` are touched on `loop` only.
    private let loop: any EventLoop
    /// The fan-outs' target lists as they were (appending a list is one reference, not one per connection).
    private var dirty: [[ClientConnection]] = []
    private var scheduled = false

    private init(loop: any EventLoop) {
        self.loop = loop
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

    /// Flushes `connections` once the loop has run the tasks queued so far. On the loop only.
    func flushSoon(_ connections: [ClientConnection]) {
        loop.assertInEventLoop()
        dirty.append(connections)
        guard !scheduled else { return }
        scheduled = true
        loop.execute { self.flushAll() }
    }

    private func flushAll() {
        scheduled = false
        let batches = dirty
        dirty.removeAll(keepingCapacity: true)
        // A connection in several batches is flushed by the first; the others find nothing written since.
        for connections in batches {
            for connection in connections { connection.flushOnLoop() }
        }
    }
}
