import ChamberDomain
import Foundation
import GRDB
import Logging
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

/// The embedded database: one SQLite file in WAL mode, through GRDB.
///
/// Writes go to GRDB's one writer connection, reads to its pool of reader connections (WAL lets them run beside
/// the writer and see every transaction committed before they start). An ``AsyncLock`` keeps each of our
/// transactions whole: its statements are separate calls, and no other write may slip in between them. Statements
/// are prepared once per connection and kept (GRDB's statement cache). Reads, and the statements inside a
/// transaction, run on the calling thread through GRDB's synchronous API (they take microseconds, and a hop to
/// another thread and back cost more: 680 → 546 µs of server CPU per delivery in `direct` at 500/s); what waits for
/// the disk (a commit, a write outside a transaction) goes to GRDB's queue, so no cooperative thread waits for an
/// fsync. Never on an event loop.
public final class SQLiteDatabase: SQLDatabase, Service {
    public let dialect = SQLDialect.sqlite
    private let writer: any DatabaseWriter
    private let reader: any DatabaseReader
    private let lock = AsyncLock()
    private let gate = ClosingGate()
    /// The close, once begun: later calls wait for the same one.
    private let closing = Mutex<Task<Void, any Error>?>(nil)

    private init(writer: any DatabaseWriter, reader: any DatabaseReader) {
        self.writer = writer
        self.reader = reader
    }

    /// Opens (creating if needed) the database at `path`, or an in-memory database for `":memory:"`.
    public static func open(path: String, synchronous: SQLiteSynchronous = .full, logger: Logger) async throws -> SQLiteDatabase {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        // Our transactions span several calls (see ``transaction(_:)``), under our own lock.
        configuration.allowsUnsafeTransactions = true
        configuration.label = "chamberconnect"
        do {
            let writer: any DatabaseWriter
            let reader: any DatabaseReader
            if path == ":memory:" {
                let queue = try DatabaseQueue(configuration: configuration)
                (writer, reader) = (queue, queue)
            } else {
                // A pool opens the file in WAL mode.
                let pool = try DatabasePool(path: path, configuration: configuration)
                (writer, reader) = (pool, pool)
            }
            // Only the writer commits, so the setting is its own, set once it is open: a pool sets its writer to
            // `synchronous = NORMAL` when it turns WAL on, after any `prepareDatabase` has run.
            try await writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous.rawValue.uppercased())") }
            return SQLiteDatabase(writer: writer, reader: reader)
        } catch let error as DatabaseError {
            throw StorageError.badURL("cannot open the SQLite database at \(path): \(error.message ?? error.description)")
        }
    }

    @discardableResult
    public func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        if Self.isRead(sql) {
            // Run on the calling thread (a reader connection is free, and a read takes microseconds): a hop to GRDB's
            // queue and back would cost more than the read.
            return try await Self.translatingErrors { try gate.use { try Self.readHere(reader, sql, binds) } }
        }
        return try await gate.use {
            try await lock.withLock {
                try await Self.translatingErrors { try await writer.writeWithoutTransaction { db in try Self.run(db, sql, binds) } }
            }
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await gate.use { try await locked(body) }
    }

    private func locked<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await lock.withLock {
            _ = try Self.writeHere(writer, "BEGIN IMMEDIATE", [])
            do {
                let result = try await body(Transaction(writer: writer))
                try await Self.translatingErrors { try await writer.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") } }
                return result
            } catch {
                // On the calling thread, not GRDB's async API: that one refuses a cancelled task before it runs, and a
                // transaction left open would swallow every later write (and make the next BEGIN fail).
                try? Self.rollbackHere(writer)
                throw error
            }
        }
    }

    /// Keeps the database open until the service group shuts down (after the HTTP server stopped), then closes it.
    public func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }

    /// Closes the connections once; later calls do nothing. New work is refused from the start of the close, and
    /// the connections close once the work in flight (a read, a transaction) has ended.
    public func close() async throws {
        // Closing must happen even when the caller was cancelled (a service group tearing down): an unstructured
        // task does not inherit the cancellation.
        let task = closing.withLock { closing in
            if let begun = closing { return begun }
            let (gate, writer) = (self.gate, self.writer)
            let task = Task {
                await gate.close()
                try writer.close()
            }
            closing = task
            return task
        }
        try await task.value
    }

    /// The executor handed to a transaction body: the lock is held, and every statement, reads included, runs on
    /// the writer's connection, inside the open transaction.
    private struct Transaction: SQLExecutor {
        let writer: any DatabaseWriter
        var dialect: SQLDialect { .sqlite }
        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            // Inside the open transaction, on the calling thread: the statements of a batch take microseconds each, and
            // only the commit (the fsync) goes to GRDB's queue.
            try await SQLiteDatabase.translatingErrors { try SQLiteDatabase.writeHere(writer, sql, binds) }
        }

        func queryEach(_ sql: String, _ bindSets: [[SQLValue]]) async throws -> [SQLRow] {
            try await SQLiteDatabase.translatingErrors {
                try writer.writeWithoutTransaction { db in
                    // Kept prepared whatever its number of values: one text, however many sets it runs for.
                    let statement = try db.cachedStatement(sql: sql)
                    var rows: [SQLRow] = []
                    for binds in bindSets { rows += try SQLiteDatabase.run(statement, binds) }
                    return rows
                }
            }
        }
    }

    /// A read on the calling thread (GRDB's synchronous API runs on the caller when the connection is free).
    private static func readHere(_ reader: any DatabaseReader, _ sql: String, _ binds: [SQLValue]) throws -> [SQLRow] {
        try reader.read { db in try run(db, sql, binds) }
    }

    /// A statement on the writer's connection, on the calling thread.
    private static func writeHere(_ writer: any DatabaseWriter, _ sql: String, _ binds: [SQLValue]) throws -> [SQLRow] {
        try writer.writeWithoutTransaction { db in try run(db, sql, binds) }
    }

    /// Ends the writer's open transaction, if any, on the calling thread.
    private static func rollbackHere(_ writer: any DatabaseWriter) throws {
        try writer.writeWithoutTransaction { db in
            if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
        }
    }

    /// Whether a statement only reads (a reader connection may run it).
    static func isRead(_ sql: String) -> Bool {
        let head = sql.utf8.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }.prefix(6)
        return head.count == 6 && String(decoding: head, as: UTF8.self).uppercased() == "SELECT"
    }

    /// Statements with more values than this are not kept prepared.
    static let mostValuesCached = 32

    private static func run(_ db: Database, _ sql: String, _ binds: [SQLValue]) throws -> [SQLRow] {
        // A statement is kept prepared per connection for as long as the connection lives, keyed by its text. Texts
        // that grow with their values (multi-row inserts, `IN` lists) would each be kept: over an hour of load, 300
        // MB of statements (RELIABILITY.md, the soak). Those are prepared afresh, a cost their many rows share.
        let statement = binds.count <= Self.mostValuesCached ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
        return try run(statement, binds)
    }

    private static func run(_ statement: Statement, _ binds: [SQLValue]) throws -> [SQLRow] {
        let arguments = StatementArguments(
            binds.map { value -> DatabaseValue in
                switch value {
                case .null: .null
                case .int(let int): int.databaseValue
                case .double(let double): double.databaseValue
                case .text(let text): text.databaseValue
                case .bool(let bool): (bool ? 1 : 0).databaseValue
                }
            })
        return try Row.fetchAll(statement, arguments: arguments).map { row in
            var values: [String: SQLValue] = [:]
            values.reserveCapacity(row.count)
            for (column, value) in row {
                switch value.storage {
                case .null: values[column] = .null
                case .int64(let int): values[column] = .int(int)
                case .double(let double): values[column] = .double(double)
                case .string(let text): values[column] = .text(text)
                case .blob(let data): values[column] = .text(String(decoding: data, as: UTF8.self))
                }
            }
            return SQLRow(values)
        }
    }

    static func translatingErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError
            where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
        {
            throw StorageError.uniqueViolation(error.message ?? "unique")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR {
            // The disk under the file is full or failing: the write changed nothing (SQLite rolls it back), and it may
            // go through once space is freed (LoadTests/faults/fault-run.sh disk-full).
            throw ChamberError(.databaseUnavailable, "the database could not write (\(error.message ?? "disk full")); retry later")
        }
    }
}
