import Synchronization

/// At most `count` holders at once; further callers of ``acquire()`` wait their turn, first come first served.
/// Shared by everything that sends to one provider, so its concurrency limit holds however many batches send at once.
public final class AsyncPermits: Sendable {
    private struct State {
        var available: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    public init(_ count: Int) {
        state = Mutex(State(available: max(1, count)))
    }

    /// Waits for a permit. Every permit taken must be given back with ``release()``.
    public func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state in
                guard state.available > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.available -= 1
                return true
            }
            if granted { continuation.resume() }
        }
    }

    /// Gives a permit back: to the longest waiter, if any.
    public func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.available += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
