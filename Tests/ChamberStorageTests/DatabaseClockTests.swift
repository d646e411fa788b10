import ChamberStorage
import ChamberTestSupport
import Foundation
import Testing

/// Nodes take the database's clock as theirs (`NodeClock`): its reading must be the server's time now, not the
/// start of a transaction, on both databases.
@Suite("The database's clock")
struct DatabaseClockTests {
    @Test("reads the database server's time now, to the millisecond, and moves on between readings", arguments: TestBackend.enabled)
    func readsNow(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let first = try await db.readClock()
            #expect(abs(first.timeIntervalSinceNow) < 5, "this machine's database runs on this machine's clock")
            // Inside one transaction too: PostgreSQL's now() would stand still there.
            let (before, after) = try await db.transaction { tx in
                let before = try await tx.readClock()
                try await Task.sleep(for: .milliseconds(30))
                return (before, try await tx.readClock())
            }
            #expect(after.timeIntervalSince(before) >= 0.025)
            #expect(before >= first)
        }
    }
}
