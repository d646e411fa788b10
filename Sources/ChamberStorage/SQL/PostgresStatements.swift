import ChamberDomain
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
/// prepares: a statement called once with a text and once with a null in one place is two statements). Only data
/// statements are prepared, and at most ``limit`` of them, so that texts made per call (a list of `IN` values of
/// every length) cannot fill each backend's memory: past the limit, statements go unnamed, as before.
final class PostgresStatements: Sendable {
    /// The most statements named in the life of a database's pools: each connection may prepare each of them.
    let limit: Int

    /// A statement's name, numbered text and the types its values are bound with.
    struct Named: Sendable {
        let name: String
        let sql: String
        let types: [PostgresDataType]
        fileprivate let key: Key
    }

    fileprivate struct Key: Hashable {
        let sql: String
        let types: [PostgresDataType]
    }

    private struct Registry {
        var named: [Key: Named] = [:]
        var issued = 0
    }

    private let registry = Mutex(Registry())

    init(limit: Int = 1_000) {
        self.limit = limit
    }

    /// How many names were given so far (retired ones included).
    var namedCount: Int { registry.withLock { $0.issued } }

    /// The named statement for `sql` with `binds`, or nil where it must go unnamed (not a data statement, or the
    /// limit reached).
    func named(_ sql: String, _ binds: [SQLValue]) -> Named? {
        let key = Key(sql: sql, types: binds.map(\.postgresType))
        return registry.withLock { [limit] registry in
            if let named = registry.named[key] { return named }
            guard registry.issued < limit, Self.isDataStatement(sql) else { return nil }
            registry.issued += 1
            let named = Named(name: "cc\(registry.issued)", sql: SQLPlaceholders.number(sql), types: key.types, key: key)
            registry.named[key] = named
            return named
        }
    }

    /// One statement on `connection`: named and prepared once per connection where ``PostgresStatements`` names it,
    /// unnamed otherwise.
    func run(_ sql: String, _ binds: [SQLValue], on connection: PostgresConnection, logger: Logger) async throws -> [SQLRow] {
        guard let statement = named(sql, binds) else {
            return try await PostgresDatabase.collect(
                try await connection.query(
                    PostgresQuery(unsafeSQL: SQLPlaceholders.number(sql), binds: PostgresDatabase.bindings(binds)), logger: logger))
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

    /// Gives `statement` a new name after `error`, where the error may have come from preparing it: PostgresNIO keeps
    /// a failed preparation for the connection's life and answers every later call of that name with it. A statement
    /// prepared inside a transaction that had already failed (`25P02`) is sound, and one whose result changed shape
    /// under a migration (`0A000`, "cached plan must not change result type") must be prepared again.
    func retire(_ statement: Named, after error: PSQLError) {
        guard let state = error.serverInfo?[.sqlState], ["25P02", "0A000"].contains(state) else { return }
        registry.withLock { registry in
            guard registry.named[statement.key]?.name == statement.name else { return }
            registry.named[statement.key] = nil
        }
    }

    /// SELECT, INSERT, UPDATE, DELETE and WITH: not schema changes (run once, by migrations) or transaction control.
    static func isDataStatement(_ sql: String) -> Bool {
        let word = sql.utf8.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\t") }
            .prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "(") }
        return ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"].contains(String(decoding: word, as: UTF8.self).uppercased())
    }
}

/// The statement PostgresNIO prepares and executes: its name, text and parameter types are the task's
/// ``current`` (PostgresNIO reads them in the calling task, as it sends the statement and as it reports an error).
struct NamedStatement: PostgresPreparedStatement {
    typealias Row = PostgresRow

    @TaskLocal static var current: PostgresStatements.Named?

    static var name: String { current?.name ?? "" }
    static var sql: String { current?.sql ?? "" }
    static var bindingDataTypes: [PostgresDataType] { current?.types ?? [] }

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
