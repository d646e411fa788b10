import ChamberStorage
import Foundation
import Logging

/// A database the test suites run against. Every storage and API suite runs once per backend.
public enum TestBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }

    /// The PostgreSQL server started by `scripts/test.sh`.
    public static var postgresURL: String? { ProcessInfo.processInfo.environment["CHAMBER_TEST_POSTGRES_URL"] }

    /// SQLite always; PostgreSQL when the test script started one, or when it is required (then a missing
    /// server fails the run rather than skipping silently).
    public static var enabled: [TestBackend] {
        let required = ProcessInfo.processInfo.environment["CHAMBER_TEST_REQUIRE_POSTGRES"] == "1"
        return postgresURL != nil || required ? [.sqlite, .postgres] : [.sqlite]
    }

    /// A fresh database URL for one test: a new SQLite file, or the shared PostgreSQL database
    /// (tests there use unique emails and slugs, so they do not collide).
    public func makeURL() throws -> String {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chamber-tests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return "sqlite://\(folder.path)/test.sqlite"
        case .postgres:
            guard let url = Self.postgresURL else {
                throw TestBackendError("CHAMBER_TEST_POSTGRES_URL is not set: run the tests with ./scripts/test.sh, which starts PostgreSQL")
            }
            return url
        }
    }

    /// A database of the test's own: a new SQLite file, or a new PostgreSQL database on the shared server. For
    /// tests of work any node may pick up (the push outbox): in the shared database other tests' servers would.
    public func makeIsolatedURL() async throws -> String {
        let url = try makeURL()
        guard self == .postgres, let cut = url.range(of: "/", options: .backwards) else { return url }
        let name = "chamber_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        var logger = Logger(label: "test.postgres")
        logger.logLevel = .warning
        let database = try await StoreFactory.open(try DatabaseLocation(url: url), maxConnections: 1, logger: logger)
        // Set-up, not a request: exempt from the database deadline, as migrations are (on a machine busy with the
        // whole suite, creating a database has taken longer than 10 s).
        _ = try await DatabaseDeadline.unbounded { try await database.whileRunning { try await database.query("CREATE DATABASE \(name)") } }
        return String(url[..<cut.lowerBound]) + "/" + name
    }

    /// Opens a migrated database for the duration of `body`; with `isolated`, one of its own on PostgreSQL too (for
    /// tests of what claims rows across chambers, which would take other tests' rows in the shared one).
    public func withDatabase<T: Sendable>(
        isolated: Bool = false, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        let logger = {
            var logger = Logger(label: "test.\(rawValue)")
            logger.logLevel = .warning
            return logger
        }()
        let url = isolated ? try await makeIsolatedURL() : try makeURL()
        let database = try await StoreFactory.open(try DatabaseLocation(url: url), maxConnections: 4, logger: logger)
        return try await database.whileRunning {
            try await Migrator(database: database, logger: logger).migrate()
            return try await body(database)
        }
    }
}

public struct TestBackendError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A unique suffix for emails and slugs, so tests sharing one PostgreSQL database never collide.
public func unique(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}
