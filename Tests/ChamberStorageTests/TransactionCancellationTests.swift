import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

/// A transaction whose task is cancelled part-way (a worker stopped at shutdown, a request whose client went away).
/// SQLite once kept such a transaction open: its rollback went through an API that refuses cancelled tasks, so the
/// next `BEGIN` failed and plain writes landed in a transaction nobody would commit.
@Suite("Transactions cancelled part-way")
struct TransactionCancellationTests {
    @Test("a cancelled transaction is rolled back whole, and the writes after it commit")
    func cancelledTransactionRollsBack() async throws {
        for backend in TestBackend.enabled {
            try await backend.withDatabase { (db) async throws -> Void in
                // A table of this test's own: PostgreSQL tests share one database.
                let table = "cancel_probe_\(UUID().uuidString.prefix(8).lowercased())"
                try await db.query("CREATE TABLE \(table) (body TEXT NOT NULL)")
                let inside = AsyncStream<Void>.makeStream()
                let cancelled = Task {
                    try await db.transaction { sql in
                        try await sql.query("INSERT INTO \(table) (body) VALUES ('never')", [])
                        inside.continuation.yield()
                        try await Task.sleep(for: .seconds(60))
                    }
                }
                for await _ in inside.stream { break }
                cancelled.cancel()
                await #expect(throws: CancellationError.self, "\(backend)") { try await cancelled.value }

                _ = try await db.transaction { sql in try await sql.query("INSERT INTO \(table) (body) VALUES ('in a transaction')", []) }
                try await db.query("INSERT INTO \(table) (body) VALUES ('alone')")
                let bodies = try await db.query("SELECT body FROM \(table) ORDER BY body").map { try $0.string("body") }
                #expect(bodies == ["alone", "in a transaction"], "\(backend)")
                try await db.query("DROP TABLE \(table)")
            }
        }
    }
}
