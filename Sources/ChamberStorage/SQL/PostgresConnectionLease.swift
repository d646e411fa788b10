import NIOCore
import PostgresNIO
import Synchronization

/// A connection of a PostgresNIO pool held outside the pool's `withConnection` scope, so that the wait for it can be
/// bounded (``DatabaseDeadline``) and a transaction's statements run on it one by one.
///
/// A task of its own leases the connection and keeps the lease until ``release()``. A caller that stops waiting
/// (its deadline passed) leaves the lease to be handed back as soon as it is granted.
final class ConnectionLease: Sendable {
    fileprivate enum State {
        case waiting(CheckedContinuation<PostgresConnection, any Error>?)
        case leased(PostgresConnection)
        case abandoned
        case released
    }

    fileprivate let state = Mutex(State.waiting(nil))
    /// Whether the lease was handed back, and the leasing task waiting for that.
    private let hold = Mutex<(released: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    /// The leased connection (only after ``take(from:until:)`` returned this lease).
    var connection: PostgresConnection {
        state.withLock { state in
            guard case .leased(let connection) = state else { preconditionFailure("a connection lease read before it was granted") }
            return connection
        }
    }

    /// A connection of `pool`, or `database_unavailable` when none is granted by `deadline`.
    static func take(from pool: PostgresClient, until deadline: ContinuousClock.Instant) async throws -> ConnectionLease {
        let lease = ConnectionLease()
        Task {
            do {
                try await pool.withConnection { connection in
                    guard lease.granted(connection) else { return }
                    await lease.heldUntilReleased()
                }
            } catch {
                lease.failed(error)
            }
        }
        do {
            _ = try await DatabaseDeadline.run(limit: max(.zero, deadline - .now), onLapse: lease.abandon) {
                try await withCheckedThrowingContinuation { continuation in lease.wait(continuation) }
            }
        } catch {
            // Granted at the very moment the deadline passed: handed back at once.
            lease.abandon()
            if case .leased = lease.state.withLock({ $0 }) { lease.release() }
            throw error
        }
        return lease
    }

    /// Hands the connection back to the pool.
    func release() {
        guard !isClosing.load(ordering: .acquiring) else { return }  // handed back by the close, once it is done
        handBack()
    }

    private func handBack() {
        let waiter = hold.withLock { hold in
            defer { hold = (true, nil) }
            return hold.waiter
        }
        waiter?.resume()
    }

    /// Set by ``close()``: the lease goes back only once the connection is closed, whoever calls ``release()``.
    private let isClosing = Atomic<Bool>(false)

    /// Closes the connection (its statement may never end otherwise) and hands it back: the pool drops it.
    func close() {
        guard case .leased(let connection) = state.withLock({ $0 }) else { return release() }
        guard !isClosing.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Handed back only once closed: a connection back in the pool before, still inside its transaction, could
        // be leased again and fold the refused work into the next caller's commit.
        // A close that does not end (a connection in the state that made it hang) gives the lease back after 2 s
        // all the same: the pool must not lose a connection slot for good.
        Task {
            _ = try? await DatabaseDeadline.run(limit: .seconds(2), evenIfLifted: true) { try await connection.close() }
            self.handBack()
        }
    }

    // MARK: The leasing task's side

    private func wait(_ continuation: CheckedContinuation<PostgresConnection, any Error>) {
        let now = state.withLock { state -> Result<PostgresConnection, any Error>? in
            switch state {
            case .leased(let connection): return .success(connection)
            case .abandoned, .released: return .failure(DatabaseDeadline.refusal("no connection in time"))
            case .waiting:
                state = .waiting(continuation)
                return nil
            }
        }
        if let now { continuation.resume(with: now) }
    }

    /// Whether the caller still wants the connection (else it goes straight back).
    private func granted(_ connection: PostgresConnection) -> Bool {
        let (wanted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<PostgresConnection, any Error>?) in
            guard case .waiting(let waiter) = state else { return (false, nil) }
            state = .leased(connection)
            return (true, waiter)
        }
        waiter?.resume(returning: connection)
        return wanted
    }

    private func failed(_ error: any Error) {
        let waiter = state.withLock { state -> CheckedContinuation<PostgresConnection, any Error>? in
            guard case .waiting(let waiter) = state else { return nil }
            state = .released
            return waiter
        }
        waiter?.resume(throwing: error)
    }

    private func abandon() {
        let waiter = state.withLock { state -> CheckedContinuation<PostgresConnection, any Error>? in
            switch state {
            case .waiting(let waiter):
                state = .abandoned
                return waiter
            default: return nil
            }
        }
        waiter?.resume(throwing: DatabaseDeadline.refusal("no connection within \(DatabaseDeadline.limit.components.seconds) s"))
    }

    private func heldUntilReleased() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let released = hold.withLock { hold in
                if !hold.released { hold.waiter = continuation }
                return hold.released
            }
            if released { continuation.resume() }
        }
    }
}

/// The connection a pool lent to one statement, so that a statement past its deadline can have it closed.
final class HeldConnection: Sendable {
    private enum State {
        case waiting
        case held(PostgresConnection)
        case returned
        case lapsed
    }

    private let state = Mutex(State.waiting)

    /// Takes the lent connection; throws when the deadline passed while it was awaited (nothing may run on it then).
    func hold(_ connection: PostgresConnection) throws {
        let lapsed = state.withLock { state -> Bool in
            if case .lapsed = state { return true }
            state = .held(connection)
            return false
        }
        if lapsed { throw DatabaseDeadline.refusal("no connection within \(DatabaseDeadline.limit.components.seconds) s") }
    }

    /// The statement is over: the connection goes back to the pool and is no longer this holder's to close.
    func letGo() { state.withLock { $0 = .returned } }

    /// The deadline passed: closes the connection while the statement still holds it (which ends the statement, and
    /// the pool drops it), and keeps one lent later from being used.
    @Sendable func close() {
        state.withLock { state in
            // Begun under the lock, so the statement cannot hand the connection back alive in between.
            if case .held(let connection) = state { _ = connection.close() as EventLoopFuture<Void> }
            if case .returned = state { return }
            state = .lapsed
        }
    }
}
