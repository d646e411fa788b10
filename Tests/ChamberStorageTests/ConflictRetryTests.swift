import ChamberDomain
import Synchronization
import Testing

@testable import ChamberStorage

/// `transaction(retryingConflicts:)`: a transaction the database aborted to resolve a deadlock or a serialization
/// failure kept nothing and is run again, a bounded number of times; any other failure is not retried.
@Suite("Transactions run again after a conflict")
struct ConflictRetryTests {
    /// A database whose transactions fail as scripted, one failure per call, then succeed.
    final class ScriptedDatabase: SQLDatabase, Sendable {
        let dialect = SQLDialect.postgres
        let failures: Mutex<[any Error]>
        let calls = Mutex(0)

        init(failures: [any Error]) { self.failures = Mutex(failures) }

        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] { [] }
        func close() async throws {}

        func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
            calls.withLock { $0 += 1 }
            if let failure = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { throw failure }
            return try await body(self)
        }
    }

    static let conflict = StorageError.transactionConflict("deadlock detected")

    @Test(
        "conflicts are run again up to the attempts given; other failures are not",
        arguments: [
            ([any Error](), 3, 1, true),
            ([conflict], 3, 2, true),
            ([conflict, conflict], 3, 3, true),
            ([conflict, conflict, conflict], 3, 3, false),
            ([StorageError.uniqueViolation("x")], 3, 1, false),
            ([ChamberError(.databaseUnavailable, "down")], 3, 1, false),
        ] as [([any Error], Int, Int, Bool)])
    func retries(_ failures: [any Error], _ attempts: Int, _ expectedCalls: Int, _ succeeds: Bool) async throws {
        let db = ScriptedDatabase(failures: failures)
        let result = try? await db.transaction(retryingConflicts: attempts) { _ in 42 }
        #expect(db.calls.withLock { $0 } == expectedCalls)
        #expect((result == 42) == succeeds)
    }
}
