import NIOCore

/// A socket's deadlines (authentication, the token's end) as timers on its event loop rather than a task sleeping
/// per connection. At most one is pending: each new one replaces the last. Cancelled when the socket ends, so no
/// timer keeps a closed session alive.
final class SocketTimers: @unchecked Sendable {
    // Unchecked: `pending` and `cancelled` are touched on `loop` only.
    private let loop: any EventLoop
    private var pending: Scheduled<Void>?
    private var cancelled = false

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Runs `work` on the loop after `delay`, replacing the pending timer.
    func schedule(in delay: TimeAmount, _ work: @escaping @Sendable () -> Void) {
        loop.execute {
            guard !self.cancelled else { return }
            self.pending?.cancel()
            self.pending = self.loop.scheduleTask(in: delay) {
                self.pending = nil
                work()
            }
        }
    }

    /// Cancels the pending timer; later ones are ignored.
    func cancel() {
        loop.execute {
            self.cancelled = true
            self.pending?.cancel()
            self.pending = nil
        }
    }
}
