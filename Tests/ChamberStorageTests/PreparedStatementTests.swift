import ChamberDomain
import ChamberTestSupport
import Foundation
import Logging
import Testing

@testable import ChamberStorage

/// PostgreSQL statements named and prepared once per connection (`PostgresStatements`): the answers must be those of
/// unnamed statements, whatever values, failures and schema changes come between.
@Suite("PostgreSQL prepared statements", .enabled(if: TestBackend.enabled.contains(.postgres)))
struct PreparedStatementTests {
    /// A database of the test's own limit on named statements; its tables are the test's own too.
    private func withPostgres(
        preparedStatements: Int = 1_000, _ body: @escaping @Sendable (PostgresDatabase, String) async throws -> Void
    )
        async throws
    {
        guard let url = TestBackend.postgresURL else { throw TestBackendError("CHAMBER_TEST_POSTGRES_URL is not set") }
        var logger = Logger(label: "test.prepared")
        logger.logLevel = .warning
        let database = PostgresDatabase(
            configuration: try PostgresDatabase.configuration(url: url, maxConnections: 2), logger: logger,
            preparedStatements: preparedStatements)
        let table = "prepared_probe_\(UUID().uuidString.prefix(8).lowercased())"
        try await database.whileRunning {
            try await database.query("CREATE TABLE \(table) (id BIGINT PRIMARY KEY, body TEXT)")
            try await body(database, table)
            try await database.query("DROP TABLE \(table)")
        }
    }

    @Test("one text bound with a value and with a null is two statements, each answering right")
    func valuesAndNulls() async throws {
        try await withPostgres { db, table in
            let bodies: [SQLValue] = [.text("first"), .null, .text("third"), .null, .text("fifth")]
            for (index, body) in bodies.enumerated() {
                try await db.query("INSERT INTO \(table) (id, body) VALUES (?, ?)", [.int(Int64(index)), body])
            }
            for (index, body) in bodies.enumerated() {
                let found = try await db.query("SELECT body FROM \(table) WHERE id = ?", [.int(Int64(index))]).first?.values["body"]
                #expect(found == body)
                let matched = try await db.query("SELECT count(*) AS n FROM \(table) WHERE body IS NOT DISTINCT FROM ?", [body])
                #expect(try matched.first?.int("n") == (body == .null ? 2 : 1))
            }
            // One text, each value read back as bound: a statement prepared for the first would misread the others.
            for value: SQLValue in [.null, .int(5), .text("x"), .bool(true), .double(1.5), .null, .int(6)] {
                #expect(try await db.query("SELECT ? AS v", [value]).first?.values["v"] == value)
            }
            #expect(db.statements.namedCount >= 3, "the statements above are named, not all unnamed")
        }
    }

    @Test("a statement first met in a failed transaction is prepared again, not refused on that connection for ever")
    func firstMetInFailedTransaction() async throws {
        try await withPostgres { db, table in
            let probe = "SELECT count(*) AS n FROM \(table) WHERE id > ?"
            // Each pass fails a statement, then meets the probe in the failed transaction: PostgreSQL refuses to
            // prepare it there (25P02).
            for _ in 0..<4 {
                await #expect(throws: (any Error).self) {
                    try await db.transaction { tx in
                        _ = try? await tx.query("SELECT 1 / (SELECT 0) AS never", [])
                        return try await tx.query(probe, [.int(0)])
                    }
                }
            }
            // The transactions' pool holds four connections at most: eight passes reach every connection used above.
            for _ in 0..<8 {
                let rows = try await db.transaction { tx in try await tx.query(probe, [.int(0)]) }
                #expect(try rows.first?.int("n") == 0)
            }
            #expect(try await db.query(probe, [.int(0)]).first?.int("n") == 0)
        }
    }

    @Test("a statement whose result changed shape under a migration fails once, then is prepared again")
    func resultChangedShape() async throws {
        try await withPostgres { db, table in
            try await db.query("INSERT INTO \(table) (id, body) VALUES (1, 'one')")
            let read = "SELECT * FROM \(table) WHERE id = ?"
            #expect(try await db.query(read, [.int(1)]).first?.string("body") == "one")
            try await db.query("ALTER TABLE \(table) ADD COLUMN note TEXT")
            // Each of the pool's two connections may have prepared it: each refuses once at most.
            var answers: [String?] = []
            for _ in 0..<6 {
                answers.append(try? await db.query(read, [.int(1)]).first?.string("body"))
            }
            #expect(answers.filter { $0 == nil }.count <= 2)
            #expect(answers.suffix(2) == ["one", "one"])
        }
    }

    @Test("past the limit, statements run unnamed and answer the same")
    func pastTheLimit() async throws {
        try await withPostgres(preparedStatements: 2) { db, table in
            try await db.query("INSERT INTO \(table) (id, body) VALUES (?, ?)", [.int(7), .text("seven")])
            for offset in 0..<5 {
                let rows = try await db.query("SELECT id + \(offset) AS n FROM \(table) WHERE body = ?", [.text("seven")])
                #expect(try rows.first?.int("n") == Int64(7 + offset))
            }
            #expect(db.statements.namedCount == 2)
        }
    }
}

/// What `PostgresStatements` names, without a server.
@Suite("PostgreSQL statement names")
struct PostgresStatementNamingTests {
    @Test("many values go unnamed; one statement has one name on every node, and a new one each time it is prepared again")
    func namesAndBounds() throws {
        let (one, other) = (PostgresStatements(), PostgresStatements())
        let values = [SQLValue](repeating: .int(1), count: PostgresStatements.maxBinds)
        let sql = "SELECT " + Array(repeating: "?", count: PostgresStatements.maxBinds).joined(separator: " + ") + " AS n"
        let named = try #require(one.named(sql, values))
        #expect(other.named(sql, values)?.name == named.name, "the same name on another node")
        #expect(one.named(sql, values + [.int(1)]) == nil, "a value over the bound")
        #expect(one.named("SELECT ? AS v", [.text("a")])?.name != one.named("SELECT ? AS v", [.null])?.name)
        // An error of the values is the execution's: the name stays.
        let kept = try #require(one.named("SELECT 1 AS one", []))
        one.retire(kept, sqlState: "23505")
        #expect(one.named("SELECT 1 AS one", [])?.name == kept.name)
        // A statement that keeps failing where it may have been prepared goes unnamed after three new names.
        var names: Set<String> = []
        for _ in 0..<PostgresStatements.maxRetirements {
            let statement = try #require(one.named("SELECT 1 AS one", []))
            names.insert(statement.name)
            one.retire(statement, sqlState: "25P02")
        }
        #expect(names.count == PostgresStatements.maxRetirements && one.named("SELECT 1 AS one", []) == nil)
    }

    @Test(
        "schema changes and transaction control are never named",
        arguments: [
            ("SELECT 1", true), ("  with x AS (SELECT 1) SELECT * FROM x", true), ("insert into t values (1)", true),
            ("\nUPDATE t SET a = 1", true), ("DELETE FROM t", true), ("SELECT(1)", true),
            ("BEGIN", false), ("COMMIT", false), ("CREATE TABLE t (a int)", false), ("ALTER TABLE t ADD b int", false),
            ("DROP TABLE t", false), ("SELECTED", false), ("", false),
        ])
    func dataStatements(sql: String, named: Bool) {
        #expect(PostgresStatements.isDataStatement(sql) == named, "\(sql)")
    }
}
