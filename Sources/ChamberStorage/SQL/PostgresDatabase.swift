import ChamberDomain
import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle
import _ConnectionPoolModule

/// PostgreSQL through PostgresNIO's connection pools. The pools are a `Service`: run it in the service group.
///
/// Transactions have a small pool of their own: the batch writer of sends (group commit) must never wait for a
/// connection behind the reads of the sends it is about to store, which can number thousands under load.
public final class PostgresDatabase: SQLDatabase, Service {
    public let dialect = SQLDialect.postgres
    private let client: PostgresClient
    private let transactions: PostgresClient
    let statements: PostgresStatements
    private let logger: Logger

    /// Connections kept for transactions, beside `configuration`'s pool for everything else.
    public static let transactionConnections = 4

    /// - Parameter preparedStatements: how many statements may be named and prepared on each connection
    ///   (``PostgresStatements``).
    public init(configuration: PostgresClient.Configuration, logger: Logger, preparedStatements: Int = 1_000) {
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        var forTransactions = configuration
        forTransactions.options.maximumConnections = Self.transactionConnections
        forTransactions.options.minimumConnections = 0
        self.transactions = PostgresClient(configuration: forTransactions, backgroundLogger: logger)
        self.statements = PostgresStatements(limit: preparedStatements, logger: logger)
        self.logger = logger
    }

    /// Parses `postgres://user:password@host:port/database`.
    public static func configuration(url: String, maxConnections: Int = 20) throws -> PostgresClient.Configuration {
        guard let components = URLComponentsLite(url), ["postgres", "postgresql"].contains(components.scheme) else {
            throw StorageError.badURL("database.url must look like postgres://user:password@127.0.0.1:5432/chamberconnect")
        }
        guard let user = components.user, !user.isEmpty else {
            throw StorageError.badURL("database.url names no user: write postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        var configuration = PostgresClient.Configuration(
            host: components.host, port: components.port ?? 5432, username: user,
            password: components.password, database: components.path, tls: .disable)
        configuration.options.maximumConnections = maxConnections
        return configuration
    }

    /// Runs the connection pools until the service group shuts down.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.client.run() }
            group.addTask { await self.transactions.run() }
        }
    }

    /// One statement on a connection of the pool, within ``DatabaseDeadline`` (the wait for a connection included);
    /// a statement past it has its connection closed, so the pool never hands that connection out again.
    @discardableResult
    public func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let (client, statements, logger) = (self.client, self.statements, self.logger)
        let held = HeldConnection()
        return try await Self.translatingErrors {
            try await DatabaseDeadline.run(onLapse: held.close) {
                try await client.withConnection { connection in
                    try held.hold(connection)
                    defer { held.letGo() }
                    return try await statements.run(sql, binds, on: connection, logger: logger)
                }
            }
        }
    }

    /// A transaction on a connection of the transactions' pool, held to ``DatabaseDeadline`` from its start: the wait
    /// for the connection and each statement get what is left of it. A failed transaction is rolled back, and a
    /// connection whose statement lapsed or that cannot roll back in time is closed, so the pool drops it.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        let logger = self.logger
        let lease = try await Self.translatingErrors {
            try await ConnectionLease.take(from: transactions, until: .now + DatabaseDeadline.limit)
        }
        defer { lease.release() }
        let connection = lease.connection
        let transaction = Transaction(connection: connection, statements: statements, logger: logger)
        do {
            try await transaction.run("BEGIN")
            let result = try await body(transaction)
            try await transaction.run("COMMIT")
            return result
        } catch {
            // A connection handed back to the pool inside a transaction would fold its work into the next caller's:
            // rolled back, or closed when it cannot be.
            if (error as? ChamberError)?.code == .databaseUnavailable {
                lease.close()  // its statement may still be running: nothing can follow it on this connection
            } else {
                // Out of the caller's cancellation (an unstructured task does not inherit it: a cancelled caller
                // still rolls back), and bounded even for migrations (a rollback on a connection the server dropped
                // may never end).
                let rolledBack = await Task {
                    try await DatabaseDeadline.run(limit: .seconds(5), evenIfLifted: true) {
                        try await PostgresDatabase.collect(try await connection.query("ROLLBACK", logger: logger))
                    }
                }.result
                if case .failure = rolledBack { lease.close() }
            }
            throw error
        }
    }

    public func close() async throws {}

    private struct Transaction: SQLExecutor {
        let connection: PostgresConnection
        let statements: PostgresStatements
        let logger: Logger
        var dialect: SQLDialect { .postgres }

        /// Each statement in a task of its own, raced against the deadline: a statement on a connection the server
        /// dropped may never end, even once the connection is closed (a watchdog that only closed the connection
        /// left two of three nodes wedged in the fault run), so its caller must be able to go. The deadline is each
        /// statement's, not the transaction's: bulk work (an import of thousands of members, load-test provisioning)
        /// is one transaction of many statements, and took longer than 10 s in all on a busy machine.
        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            let (connection, statements, logger) = (self.connection, self.statements, self.logger)
            return try await PostgresDatabase.translatingErrors {
                try await DatabaseDeadline.run {
                    try await statements.run(sql, binds, on: connection, logger: logger)
                }
            }
        }

        func run(_ statement: String) async throws { _ = try await query(statement, []) }
    }

    static func translatingErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw StorageError.uniqueViolation(error.serverInfo?[.constraintName] ?? "unique")
        } catch let error as PSQLError where ["40P01", "40001"].contains(error.serverInfo?[.sqlState] ?? "") {
            throw StorageError.transactionConflict(error.serverInfo?[.message] ?? "deadlock or serialization failure")
        } catch let error as PSQLError where isUnreachable(error) {
            throw DatabaseDeadline.refusal("\(error.code)")
        } catch let error as ConnectionPoolError where error == .connectionCreationCircuitBreakerTripped || error == .poolShutdown {
            // The pool gave up making connections (after a minute of failures), or is shutting down.
            throw DatabaseDeadline.refusal("\(error)")
        }
    }

    /// Failures that say the database is down, restarting or out of reach, rather than anything about the statement:
    /// the connection failed or was closed, or the server is shutting down, crashed, or not accepting connections yet
    /// (SQLSTATE class 57P, operator intervention; class 08, connection exception).
    static func isUnreachable(_ error: PSQLError) -> Bool {
        switch error.code {
        case .connectionError, .clientClosedConnection, .serverClosedConnection, .uncleanShutdown, .poolClosed: return true
        case .server:
            // Not 08P01 (protocol violation): that one is a statement's fault, such as a count of values that differs.
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("57P") || (state.hasPrefix("08") && state != "08P01")
        default: return false
        }
    }

    static func bindings(_ binds: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .int(let int): bindings.append(int)
            case .double(let double): bindings.append(double)
            case .text(let text): bindings.append(text)
            case .bool(let bool): bindings.append(bool)
            }
        }
        return bindings
    }

    static func collect<Rows: AsyncSequence>(_ rows: Rows) async throws -> [SQLRow] where Rows.Element == PostgresRow {
        var result: [SQLRow] = []
        for try await row in rows {
            var values: [String: SQLValue] = [:]
            for cell in row {
                values[cell.columnName] = try decode(cell)
            }
            result.append(SQLRow(values))
        }
        return result
    }

    private static func decode(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8: return .int(try cell.decode(Int64.self))
        case .int4: return .int(Int64(try cell.decode(Int32.self)))
        case .int2: return .int(Int64(try cell.decode(Int16.self)))
        case .bool: return .bool(try cell.decode(Bool.self))
        case .float8: return .double(try cell.decode(Double.self))
        case .float4: return .double(Double(try cell.decode(Float.self)))
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// Just enough URL parsing for database URLs, without Foundation's percent-encoding surprises in passwords.
struct URLComponentsLite {
    let scheme: String
    let user: String?
    let password: String?
    let host: String
    let port: Int?
    let path: String?

    init?(_ url: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        scheme = String(url[..<schemeEnd.lowerBound]).lowercased()
        var rest = Substring(url[schemeEnd.upperBound...])
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = String(credentials[..<colon]).removingPercentEncodingLite
                password = String(credentials[credentials.index(after: colon)...]).removingPercentEncodingLite
            } else {
                user = String(credentials).removingPercentEncodingLite
                password = nil
            }
        } else {
            user = nil
            password = nil
        }
        let hostPort: Substring
        if let slash = rest.firstIndex(of: "/") {
            hostPort = rest[..<slash]
            let pathPart = rest[rest.index(after: slash)...].split(separator: "?").first.map(String.init) ?? ""
            path = pathPart.isEmpty ? nil : pathPart
        } else {
            hostPort = rest
            path = nil
        }
        if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            guard let port = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(port) else { return nil }
            self.port = port
        } else {
            host = String(hostPort)
            port = nil
        }
        if host.isEmpty { return nil }
    }
}

extension String {
    var removingPercentEncodingLite: String {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
