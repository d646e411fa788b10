import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

/// One statement run for many sets of binds (`SQLExecutor.queryEach`), as a batch of sends stores its messages on
/// SQLite: every set runs, in order, and a transaction in which one fails keeps nothing.
@Suite("One statement for many rows")
struct QueryEachTests {
    /// Runs `body` on each enabled database with a table of its own, `(id BIGINT PRIMARY KEY, body TEXT)`.
    static func withTable(_ body: @escaping @Sendable (any SQLDatabase, String) async throws -> Void) async throws {
        for backend in TestBackend.enabled {
            try await backend.withDatabase { (db) async throws -> Void in
                let table = "each_probe_\(UUID().uuidString.prefix(8).lowercased())"
                try await db.query("CREATE TABLE \(table) (id BIGINT PRIMARY KEY, body TEXT)")
                try await body(db, table)
            }
        }
    }

    @Test("each set runs once, in order, and the rows of all come back in that order")
    func inOrder() async throws {
        try await Self.withTable { (db, table) async throws -> Void in
            let sets: [[SQLValue]] = (0..<300).map { [.int(Int64(299 - $0)), $0 % 7 == 0 ? .null : .text("row \($0)")] }
            let returned = try await db.transaction { tx in
                try await tx.queryEach("INSERT INTO \(table) (id, body) VALUES (?, ?) RETURNING id", sets)
            }
            #expect(try returned.map { try $0.int("id") } == (0..<300).map { Int64(299 - $0) })
            let stored = try await db.query("SELECT id, body FROM \(table) ORDER BY id DESC")
            #expect(stored.map { $0.values["body"] } == sets.map { $0[1] })
            // Outside a transaction too, reads included: no rows is no rows.
            let found = try await db.queryEach("SELECT body FROM \(table) WHERE id = ?", [[.int(3)], [.int(1_000)], [.int(10)]])
            #expect(try found.map { try $0.string("body") } == ["row 296", "row 289"])
        }
    }

    @Test("a set that fails fails the transaction: none of the sets before it is kept")
    func failureKeepsNothing() async throws {
        try await Self.withTable { (db, table) async throws -> Void in
            await #expect(throws: StorageError.self) {
                try await db.transaction { tx in
                    try await tx.queryEach(
                        "INSERT INTO \(table) (id, body) VALUES (?, ?)",
                        [[.int(1), .text("a")], [.int(2), .text("b")], [.int(1), .text("again")]])
                }
            }
            #expect(try await db.query("SELECT count(*) AS n FROM \(table)").first?.int("n") == 0)
        }
    }
}
