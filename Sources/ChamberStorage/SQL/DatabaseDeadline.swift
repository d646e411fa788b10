import ChamberDomain
import Synchronization

/// How long the database may take over one piece of a request's work (one statement with the wait for its
/// connection, or one transaction) before the request is refused with `database_unavailable`, so that a database
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
                let timer = Task {
                    try? await Task.sleep(for: limit)
                    guard !Task.isCancelled, let continuation = race.settle() else { return }
                    race.work?.cancel()
                    onLapse()
                    continuation.resume(throwing: refusal("no answer within \(limit.components.seconds) s"))
                }
                let work = Task {
                    let result: Result<T, any Error>
                    do {
                        result = .success(try await body())
                    } catch {
                        result = .failure(error)
                    }
                    timer.cancel()
                    race.settle()?.resume(with: result)
                }
                race.track(work: work, timer: timer)
            }
        } onCancel: {
            guard let continuation = race.settle() else { return }
            race.work?.cancel()
            race.timer?.cancel()
            onLapse()
            continuation.resume(throwing: CancellationError())
        }
    }

    /// Who answers the caller first: the body, the timer or a cancellation. The first to settle takes the
    /// continuation; the others find it gone.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var settled = false
            var work: Task<Void, Never>?
            var timer: Task<Void, Never>?
        }

        private let state = Mutex(State())

        var work: Task<Void, Never>? { state.withLock { $0.work } }
        var timer: Task<Void, Never>? { state.withLock { $0.timer } }

        /// Keeps the caller's continuation; false when a cancellation settled the race already.
        func begin(_ continuation: CheckedContinuation<T, any Error>) -> Bool {
            state.withLock { state in
                guard !state.settled else { return false }
                state.continuation = continuation
                return true
            }
        }

        /// Keeps the tasks, to be stopped by whoever settles; stopped now if someone settled before they existed.
        func track(work: Task<Void, Never>, timer: Task<Void, Never>) {
            let settled = state.withLock { state in
                state.work = work
                state.timer = timer
                return state.settled
            }
            if settled {
                work.cancel()
                timer.cancel()
            }
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
