import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import ServiceLifecycle
import Synchronization

/// When SQLite's commit returns, relative to the disk (`PRAGMA synchronous`, in WAL mode).
public enum SQLiteSynchronous: String, Sendable, CaseIterable {
    /// Each commit waits for the write-ahead log to reach the disk (one fsync per transaction, so per batch of
    /// sends): an acknowledged message survives a power cut.
    case full
    /// Commits return once the log is written to the operating system: an acknowledged message survives the
    /// server's crash, but a power cut or kernel crash may take the last commits.
    case normal
}

/// The embedded database: one SQLite file in WAL mode.
///
/// SQLite allows one writer at a time, so one connection serves everything and an ``AsyncLock`` keeps
/// each statement and each transaction whole. Calls run on NIO's blocking thread pool, never on an event loop.
public final class SQLiteDatabase: SQLDatabase, Service {
    public let dialect = SQLDialect.sqlite
    private let connection: SQLiteConnection
    private let lock = AsyncLock()
    private let closed = Mutex(false)

    private init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// Opens (creating if needed) the database at `path`, or an in-memory database for `":memory:"`.
    public static func open(path: String, synchronous: SQLiteSynchronous = .full, logger: Logger) async throws -> SQLiteDatabase {
        let storage: SQLiteConnection.Storage = path == ":memory:" ? .memory : .file(path: path)
        let connection = try await SQLiteConnection.open(
            storage: storage, threadPool: .singleton, logger: logger,
            on: MultiThreadedEventLoopGroup.singleton.any())
        let database = SQLiteDatabase(connection: connection)
        if path != ":memory:" {
            try await database.query("PRAGMA journal_mode = WAL")
            try await database.query("PRAGMA synchronous = \(synchronous.rawValue.uppercased())")
        }
        try await database.query("PRAGMA foreign_keys = ON")
        try await database.query("PRAGMA busy_timeout = 5000")
        return database
    }

    @discardableResult
    public func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await lock.withLock { try await Self.run(connection, sql, binds) }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await lock.withLock {
            try await Self.run(connection, "BEGIN IMMEDIATE", [])
            do {
                let result = try await body(Transaction(connection: connection))
                try await Self.run(connection, "COMMIT", [])
                return result
            } catch {
                _ = try? await Self.run(connection, "ROLLBACK", [])
                throw error
            }
        }
    }

    /// Keeps the database open until the service group shuts down (after the HTTP server stopped), then closes it.
    public func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }

    /// Closes the connection once; later calls do nothing.
    public func close() async throws {
        let alreadyClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !alreadyClosed else { return }
        // Closing must happen even when the caller was cancelled (a service group tearing down): an unstructured
        // task does not inherit the cancellation.
        let connection = self.connection
        let lock = self.lock
        try await Task { try await lock.withLock { try await connection.close() } }.value
    }

    /// The executor handed to a transaction body: the lock is already held.
    private struct Transaction: SQLExecutor {
        let connection: SQLiteConnection
        var dialect: SQLDialect { .sqlite }
        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            try await SQLiteDatabase.run(connection, sql, binds)
        }
    }

    @discardableResult
    fileprivate static func run(_ connection: SQLiteConnection, _ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let data = binds.map { value -> SQLiteData in
            switch value {
            case .null: .null
            case .int(let int): .integer(SQLiteInt64(int))
            case .double(let double): .float(double)
            case .text(let text): .text(text)
            case .bool(let bool): .integer(bool ? 1 : 0)
            }
        }
        do {
            let rows = try await connection.query(sql, data)
            return rows.map { row in
                var values: [String: SQLValue] = [:]
                for column in row.columns {
                    switch column.data {
                    case .integer(let int): values[column.name] = .int(Int64(int))
                    case .float(let double): values[column.name] = .double(double)
                    case .text(let text): values[column.name] = .text(text)
                    case .blob(let buffer): values[column.name] = .text(String(buffer: buffer))
                    case .null: values[column.name] = .null
                    }
                }
                return SQLRow(values)
            }
        } catch let error as SQLiteError
            where error.message.contains("UNIQUE constraint failed") || error.reason == .constraintUniqueFailed
            || error.reason == .constraintPrimaryKeyFailed
        {
            throw StorageError.uniqueViolation(error.message)
        }
    }
}
