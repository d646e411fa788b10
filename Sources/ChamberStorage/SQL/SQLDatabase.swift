/// The SQL flavour of a connection, where the two differ.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}

/// Runs statements. Statements use `?` placeholders in both dialects; the PostgreSQL adapter numbers them.
public protocol SQLExecutor: Sendable {
    var dialect: SQLDialect { get }
    /// Runs one statement and returns its rows (use `RETURNING` to learn what a write touched).
    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
    /// Runs one statement once for each set of binds, in order, and returns the rows of all of them. Inside a SQLite
    /// transaction the statement is prepared once and kept, and every run is one call: many rows cost no parsing, where
    /// one statement of many rows is parsed afresh each time its row count changes. Elsewhere, one `query` per set.
    /// `sql` must not grow with the data (no lists built into it): every text met is kept prepared.
    @discardableResult
    func queryEach(_ sql: String, _ bindSets: [[SQLValue]]) async throws -> [SQLRow]
}

/// A database: an executor that can also run a transaction on one connection.
public protocol SQLDatabase: SQLExecutor {
    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T
    func close() async throws
}

extension SQLExecutor {
    @discardableResult
    public func query(_ sql: String) async throws -> [SQLRow] { try await query(sql, []) }

    @discardableResult
    public func queryEach(_ sql: String, _ bindSets: [[SQLValue]]) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        for binds in bindSets { rows += try await query(sql, binds) }
        return rows
    }
}

extension SQLDatabase {
    /// Runs `body` in a transaction, and runs it again when the database aborted it to resolve a deadlock or a
    /// serialization failure (such a transaction kept nothing), up to `attempts` times in all. Only for bodies whose
    /// every effect is on the database.
    public func transaction<T: Sendable>(
        retryingConflicts attempts: Int, _ body: @Sendable (any SQLExecutor) async throws -> T
    ) async throws -> T {
        for attempt in 1... {
            do {
                return try await transaction(body)
            } catch StorageError.transactionConflict where attempt < attempts {
                continue
            }
        }
        preconditionFailure("unreachable")
    }
}
