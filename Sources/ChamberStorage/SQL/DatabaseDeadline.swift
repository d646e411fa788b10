import ChamberDomain
import Synchronization

/// How long a request may wait for the database (a connection and its statements together) before it is refused
/// with `database_unavailable`, so that a database that is down, restarting or unreachable never holds a request,
/// or the send writer, for ever (README "When PostgreSQL is down").
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

    /// Runs `body` in a task of its own and returns its result, or throws ``refusal(_:)`` once `limit` passed.
    ///
    /// A driver's statement on a connection the server dropped may never end (seen with PostgresNIO after the
    /// server terminated its connections), and a task group would wait for it; so the body is left behind when the
    /// deadline passes, and `onLapse` is called to close what it holds (its connection), which ends it.
    static func run<T: Sendable>(
        limit: Duration = limit, onLapse: @escaping @Sendable () -> Void = {}, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        if isLifted { return try await body() }
        let settled = Mutex(false)
        let claim: @Sendable () -> Bool = {
            settled.withLock { done in
                defer { done = true }; return !done
            }
        }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let timer = Task {
                try? await Task.sleep(for: limit)
                guard !Task.isCancelled, claim() else { return }
                onLapse()
                continuation.resume(throwing: refusal("no answer within \(Self.limit.components.seconds) s"))
            }
            Task {
                let result: Result<T, any Error>
                do {
                    result = .success(try await body())
                } catch {
                    result = .failure(error)
                }
                timer.cancel()
                if claim() { continuation.resume(with: result) }
            }
        }
    }
}
