import ChamberDomain
import Synchronization

/// Keeps a database open while anything uses it. Once closing starts, new work is refused with `unavailable` (a
/// client may retry on another node), and the close waits for the work in flight (a read, a batch's transaction)
/// to end. GRDB dereferences freed memory when a connection is used after it was closed: a server stopped after a
/// load run crashed so, a session's read racing the close.
final class ClosingGate: Sendable {
    private struct State {
        var closing = false
        var inUse = 0
        var idle: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Runs `body` unless closing has started (then throws `unavailable` and runs nothing).
    func use<T>(_ body: () throws -> T) throws -> T {
        try enter()
        defer { leave() }
        return try body()
    }

    /// Runs `body` unless closing has started; the close waits for it to end.
    func use<T>(_ body: () async throws -> T) async throws -> T {
        try enter()
        defer { leave() }
        return try await body()
    }

    /// Refuses new work from now on and returns once the work in flight has ended. Called once.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                state.closing = true
                guard state.inUse > 0 else { return true }
                state.idle = continuation
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func enter() throws(ChamberError) {
        let admitted = state.withLock { state -> Bool in
            guard !state.closing else { return false }
            state.inUse += 1
            return true
        }
        guard admitted else { throw ChamberError(.unavailable, "the server is shutting down; retry on another node") }
    }

    private func leave() {
        let idle = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.inUse -= 1
            guard state.closing, state.inUse == 0 else { return nil }
            defer { state.idle = nil }
            return state.idle
        }
        idle?.resume()
    }
}
