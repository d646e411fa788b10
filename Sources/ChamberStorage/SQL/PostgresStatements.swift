import ChamberDomain
import Crypto
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Statements PostgreSQL parses and plans once per connection, then only binds and executes.
///
/// Sent as unnamed statements, PostgreSQL parses, analyses and plans every statement on every call: measured with
/// `pgbench` on the three reads before a directory search, 5,200 transactions/s unnamed against 22,300/s prepared on
/// this machine's two cores. PostgresNIO prepares a named statement on a connection at its first use and keeps it
/// (``PostgresPreparedStatement``); its name and text are static members of a type, so one type,
/// ``NamedStatement``, reads them from a task-local value set around the call.
///
/// A statement is named by its text and the types of its values (PostgreSQL fixes the parameters' types when it
/// prepares: a statement called once with a text and once with a null in one place is two statements); the name is a
/// digest of both, so every node gives one statement the same name. Only data statements of at most
/// ``maxBinds`` values are prepared (a batch of many rows is a new text for every size and pattern of nulls), and at
/// most ``limit`` of them, so that texts made per call cannot fill each backend's memory: past the limit, statements
/// go unnamed, as before.
final class PostgresStatements: Sendable {
    /// The most statements named in the life of a database's pools: each connection may prepare each of them.
    let limit: Int
    /// Statements with more values than this go unnamed.
    static let maxBinds = 32
    /// Times one statement may be prepared again after a failure before it goes unnamed for good.
    static let maxRetirements = 3

    /// A statement's name, numbered text and the types its values are bound with.
    struct Named: Sendable {
        let name: String
        let sql: String
        let types: [PostgresDataType]
        fileprivate let key: Key
        fileprivate let generation: Int
    }

    fileprivate struct Key: Hashable {
        let sql: String
        let types: [PostgresDataType]
    }

    private struct Registry {
        var named: [Key: Named] = [:]
        var retirements: [Key: Int] = [:]
        var issued = 0
        var warned = false
    }

    private let registry = Mutex(Registry())
    private let logger: Logger

    init(limit: Int = 1_000, logger: Logger = Logger(label: "chamberconnect.postgres")) {
        self.limit = limit
        self.logger = logger
    }

    /// How many names were given so far (prepared again after a failure included).
    var namedCount: Int { registry.withLock { $0.issued } }

    /// The named statement for `sql` with `binds`, or nil where it must go unnamed (not a data statement, too many
    /// values, prepared again too often, or the limit reached).
    func named(_ sql: String, _ binds: [SQLValue]) -> Named? {
        // Before the lock: transaction control (a writer's BEGIN and COMMIT) and batches never take it.
        guard binds.count <= Self.maxBinds, Self.isDataStatement(sql) else { return nil }
        let key = Key(sql: sql, types: binds.map(\.postgresType))
        let (named, reachedLimit) = registry.withLock { [limit] registry -> (Named?, Bool) in
            if let named = registry.named[key] { return (named, false) }
            let generation = registry.retirements[key, default: 0]
            guard generation < Self.maxRetirements else { return (nil, false) }
            guard registry.issued < limit else {
                defer { registry.warned = true }
                return (nil, !registry.warned)
            }
            registry.issued += 1
            let named = Named(
                name: Self.name(key, generation: generation), sql: SQLPlaceholders.number(sql), types: key.types, key: key, generation: generation)
            registry.named[key] = named
            return (named, false)
        }
        if reachedLimit {
            logger.warning(
                "\(limit) PostgreSQL statements are prepared on each connection (database.prepared_statements): statements met since are sent unprepared",
                metadata: ["limit": "\(limit)"])
        }
        return named
    }

    /// One statement on `connection`: named and prepared once per connection where ``named(_:_:)`` names it, unnamed
    /// otherwise.
    func run(_ sql: String, _ binds: [SQLValue], on connection: PostgresConnection, logger: Logger) async throws -> [SQLRow] {
        guard let statement = named(sql, binds) else {
            let query = PostgresQuery(unsafeSQL: SQLPlaceholders.number(sql), binds: PostgresDatabase.bindings(binds))
            return try await PostgresDatabase.collect(try await connection.query(query, logger: logger))
        }
        do {
            return try await NamedStatement.$current.withValue(statement) {
                try await PostgresDatabase.collect(
                    try await connection.execute(NamedStatement(bindings: PostgresDatabase.bindings(binds)), logger: logger))
            }
        } catch let error as PSQLError {
            retire(statement, after: error)
            throw error
        }
    }

    /// Gives `statement` a new name after `error`, where the error may have come from preparing it: PostgresNIO keeps a
    /// failed preparation for the connection's life and answers every later call of that name with it. Errors of a
    /// statement's values and of what it ran into (data, integrity, a transaction rolled back, a raised exception) come
    /// from executing it, not preparing it; anything else the server says (a failed transaction, a result whose shape
    /// changed under a migration, a table not there yet, a lock timeout behind a migration) may have. A statement
    /// prepared again ``maxRetirements`` times goes unnamed for good.
    func retire(_ statement: Named, after error: PSQLError) {
        guard let state = error.serverInfo?[.sqlState] else { return }
        retire(statement, sqlState: state)
    }

    /// ``retire(_:after:)`` for the server's SQLSTATE.
    func retire(_ statement: Named, sqlState state: String) {
        guard !["22", "23", "40", "P0"].contains(String(state.prefix(2))) else { return }
        registry.withLock { registry in
            guard registry.named[statement.key]?.name == statement.name else { return }
            registry.named[statement.key] = nil
            registry.retirements[statement.key] = statement.generation + 1
        }
    }

    /// `cc` and 24 hex digits of the SHA-256 of the text, the values' types and the generation.
    private static func name(_ key: Key, generation: Int) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(key.sql.utf8))
        hasher.update(data: Data(key.types.map { "\($0.rawValue)" }.joined(separator: ",").utf8))
        hasher.update(data: Data("#\(generation)".utf8))
        return "cc" + hasher.finalize().prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    /// SELECT, INSERT, UPDATE, DELETE and WITH: not schema changes (run once, by migrations) or transaction control.
    static func isDataStatement(_ sql: String) -> Bool {
        let word = sql.utf8.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\t") }
            .prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "(") }
        return ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"].contains(String(decoding: word, as: UTF8.self).uppercased())
    }
}

/// The statement PostgresNIO prepares and executes: its name, text and parameter types are the task's
/// ``current`` (PostgresNIO 1.33 reads them in the calling task, as it sends the statement and as it reports an error).
struct NamedStatement: PostgresPreparedStatement {
    typealias Row = PostgresRow

    @TaskLocal static var current: PostgresStatements.Named?

    /// Never read outside ``PostgresStatements/run(_:_:on:logger:)``: an empty name would be PostgreSQL's unnamed
    /// statement, whatever text was last parsed on the connection.
    private static var statement: PostgresStatements.Named {
        guard let current else { preconditionFailure("a named statement read outside the task that runs it") }
        return current
    }

    static var name: String { statement.name }
    static var sql: String { statement.sql }
    static var bindingDataTypes: [PostgresDataType] { statement.types }

    let bindings: PostgresBindings

    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

extension SQLValue {
    /// The type PostgreSQL is told a value has: the type its bytes are sent as (a null's is left to the server).
    var postgresType: PostgresDataType {
        switch self {
        case .null: .null
        case .int: .int8
        case .double: .float8
        case .text: .text
        case .bool: .bool
        }
    }
}
