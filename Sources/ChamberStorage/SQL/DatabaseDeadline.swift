import ChamberDomain
import Synchronization

/// How long the database may take over one piece of a request's work (a statement with the wait for its connection;
/// in a transaction, the wait for its connection and then each statement) before the request is refused with `database_unavailable`, so that a database
/// that is down, restarting or unreachable never holds a request, or the send writer, for ever (README "When
/// PostgreSQL is down").
public enum DatabaseDeadline {
    /// The wait allowed: 10 s.
    public static let limit: Duration = .seconds(10)

    /// Whether the current task's database work is exempt from the deadline (migrations: an index on a large table
    /// may take longer). Set with ``unbounded(_:)``.
    @TaskLocal static var isLifted = false

    /// Runs `body` with the deadline lifted for the database work it does.
    public static func unbounded<T>(_ body: () async throws -> T) async rethrows -> T {
        try await $isLifted.withValue(true, operation: body)
    }

    /// The refusal when the deadline passes, or the database dropped the connection.
    static func refusal(_ reason: String) -> ChamberError {
        ChamberError(.databaseUnavailable, "the database did not answer in time (\(reason)); retry later")
    }

    /// Runs `body` in a task of its own and returns its result, or throws ``refusal(_:)`` once `limit` passed (at
    /// once when none is left). Cancelling the caller stops the wait, as it would stop a wait for a connection.
    ///
    /// A driver's statement on a connection the server dropped may never end (seen with PostgresNIO after the
    /// server terminated its connections), and a task group would wait for it; so on a lapse the body is cancelled
    /// and left behind, and `onLapse` is called to close what it holds (its connection), which ends it.
    /// - Parameter evenIfLifted: bound the body even where ``unbounded(_:)`` lifted the deadline (a rollback).
    static func run<T: Sendable>(
        limit: Duration = limit, evenIfLifted: Bool = false, onLapse: @escaping @Sendable () -> Void = {},
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        if isLifted, !evenIfLifted { return try await body() }
        guard limit > .zero else { throw refusal("no time left of \(Self.limit.components.seconds) s") }
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                guard race.begin(continuation) else {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                let alarm = DeadlineAlarms.shared.set(at: .now + limit) {
                    guard let continuation = race.settle() else { return }
                    race.work?.cancel()
                    onLapse()
                    continuation.resume(throwing: refusal("no answer within \(Self.limit.components.seconds) s"))
                }
                let work = Task {
                    let result: Result<T, any Error>
                    do {
                        result = .success(try await body())
                    } catch {
                        result = .failure(error)
                    }
                    DeadlineAlarms.shared.clear(alarm)
                    race.settle()?.resume(with: result)
                }
                race.track(work: work)
            }
        } onCancel: {
            guard let continuation = race.settle() else { return }
            race.work?.cancel()
            onLapse()
            continuation.resume(throwing: CancellationError())
        }
    }

    /// Who answers the caller first: the body, the alarm or a cancellation. The first to settle takes the
    /// continuation; the others find it gone.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var settled = false
            var work: Task<Void, Never>?
        }

        private let state = Mutex(State())

        var work: Task<Void, Never>? { state.withLock { $0.work } }

        /// Keeps the caller's continuation; false when a cancellation settled the race already.
        func begin(_ continuation: CheckedContinuation<T, any Error>) -> Bool {
            state.withLock { state in
                guard !state.settled else { return false }
                state.continuation = continuation
                return true
            }
        }

        /// Keeps the body's task, to be stopped by whoever settles; stopped now if someone settled before it existed.
        func track(work: Task<Void, Never>) {
            let settled = state.withLock { state in
                state.work = work
                return state.settled
            }
            if settled { work.cancel() }
        }

        /// The continuation, to the first caller only.
        func settle() -> CheckedContinuation<T, any Error>? {
            state.withLock { state in
                guard !state.settled else { return nil }
                state.settled = true
                defer { state.continuation = nil }
                return state.continuation
            }
        }
    }
}

/// One clock for every deadline: alarms set and cleared in a table that one task looks over every 50 ms, so a
/// statement under a deadline costs no timer task of its own (a task per statement slowed transactions under load).
final class DeadlineAlarms: Sendable {
    static let shared = DeadlineAlarms()

    private struct State {
        var alarms: [UInt64: (at: ContinuousClock.Instant, ring: @Sendable () -> Void)] = [:]
        var nextID: UInt64 = 0
        var watching = false
    }

    private let state = Mutex(State())

    /// Calls `ring` once `at` has passed (within 50 ms), unless ``clear(_:)`` came first.
    func set(at: ContinuousClock.Instant, ring: @escaping @Sendable () -> Void) -> UInt64 {
        let (id, start) = state.withLock { state -> (UInt64, Bool) in
            defer { state.nextID += 1 }
            state.alarms[state.nextID] = (at, ring)
            let start = !state.watching
            state.watching = true
            return (state.nextID, start)
        }
        if start { Task { await self.watch() } }
        return id
    }

    func clear(_ id: UInt64) { _ = state.withLock { $0.alarms.removeValue(forKey: id) } }

    /// Rings what is due every 50 ms while any alarm is set; ends when none is.
    private func watch() async {
        while true {
            try? await Task.sleep(for: .milliseconds(50))
            let now = ContinuousClock.now
            let (due, done) = state.withLock { state -> ([@Sendable () -> Void], Bool) in
                let due = state.alarms.filter { $0.value.at <= now }
                for id in due.keys { state.alarms.removeValue(forKey: id) }
                if state.alarms.isEmpty { state.watching = false }
                return (due.values.map(\.ring), state.alarms.isEmpty)
            }
            due.forEach { $0() }
            if done { return }
        }
    }
}
