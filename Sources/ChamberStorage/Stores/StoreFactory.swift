import ChamberDomain
import Foundation
import Logging

/// Where the data lives, parsed from `database.url`.
public enum DatabaseLocation: Sendable, Equatable {
    /// An SQLite file (created with its folder if missing), or `:memory:`.
    case sqlite(path: String)
    /// A PostgreSQL server.
    case postgres(url: String)

    /// Accepts `sqlite:PATH`, `sqlite://PATH`, `sqlite::memory:`, and `postgres://…` / `postgresql://…`.
    public init(url: String) throws {
        let lowered = url.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            _ = try PostgresDatabase.configuration(url: url)
            self = .postgres(url: url)
        } else if lowered.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw StorageError.badURL("database.url 'sqlite:' names no file: write sqlite://data/chamberconnect.sqlite") }
            self = .sqlite(path: path)
        } else {
            throw StorageError.badURL("database.url must start with sqlite:// (embedded) or postgres:// (server), got '\(redactedURL(url))'")
        }
    }

    /// True when one connection serves every read and write (`sqlite::memory:`): a read made while another task's
    /// transaction is open sees its uncommitted rows, which a rollback then takes back. Nothing read there may be
    /// kept beyond the request.
    public var readsSeeOpenTransactions: Bool { self == .sqlite(path: ":memory:") }

    public var dialect: SQLDialect {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }
}

/// Opens a database and wraps it as the domain's store.
public enum StoreFactory {
    /// Opens the database. For PostgreSQL the returned database is a `Service` that must run in the service group
    /// (or be run by the caller) before it answers; `preparedStatements` bounds its named statements
    /// (``PostgresStatements``).
    public static func open(
        _ location: DatabaseLocation, maxConnections: Int = 20, preparedStatements: Int = 1_000,
        sqliteSynchronous: SQLiteSynchronous = .full, logger: Logger
    ) async throws -> any SQLDatabase {
        switch location {
        case .sqlite(let path):
            if path != ":memory:" {
                let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            return try await SQLiteDatabase.open(path: path, synchronous: sqliteSynchronous, logger: logger)
        case .postgres(let url):
            return PostgresDatabase(
                configuration: try PostgresDatabase.configuration(url: url, maxConnections: maxConnections), logger: logger,
                preparedStatements: preparedStatements)
        }
    }
}
