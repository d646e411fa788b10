import Foundation
import Logging

/// Applies pending migrations, each in its own transaction, recording them in `schema_migrations`.
/// Safe to run from several nodes at once: on PostgreSQL an advisory lock makes them take turns.
public struct Migrator: Sendable {
    let database: any SQLDatabase
    let logger: Logger

    public init(database: any SQLDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// The newest schema version this build knows.
    public static var latestVersion: Int { Schema.migrations.last?.version ?? 0 }

    /// Applies what is pending; returns the versions applied now.
    @discardableResult
    public func migrate() async throws -> [Int] {
        // An index on a large table, or a turn behind another node's migrations, may take longer than a request may.
        try await DatabaseDeadline.unbounded { try await migrateNow() }
    }

    private func migrateNow() async throws -> [Int] {
        // Most starts find every migration applied: one read without the lock says so, and a node that waited its turn
        // behind another's migrations learns under the lock all that the other applied. Walking every migration under
        // the lock instead made nodes starting together (a cluster's, a test run's hundred servers on one database)
        // queue for it a transaction at a time, over a minute on a loaded machine. Whatever is missing is checked again
        // under the lock (the bookkeeping table may not exist yet: then everything is missing).
        var known = Set((try? await appliedVersions()) ?? [])
        var applied: [Int] = []
        for migration in Schema.migrations where !known.contains(migration.version) {
            let (didApply, recorded) = try await database.transaction { tx -> (Bool, [Int]) in
                // Several nodes may start at once: they take turns, and even the bookkeeping table is made under the lock.
                if tx.dialect == .postgres {
                    try await tx.query("SELECT pg_advisory_xact_lock(7242001)")
                }
                try await tx.query(Self.bookkeeping)
                let recorded = try await tx.query("SELECT version FROM schema_migrations").map { Int(try $0.int("version")) }
                guard !recorded.contains(migration.version) else { return (false, recorded) }
                for statement in migration.statements(for: tx.dialect) {
                    do {
                        try await tx.query(statement)
                    } catch {
                        throw StorageError.migrationFailed(version: migration.version, String(describing: error))
                    }
                }
                try await tx.query(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [.int(Int64(migration.version)), .text(migration.name), .date(Date())])
                return (true, recorded + [migration.version])
            }
            known.formUnion(recorded)
            if didApply {
                logger.info("applied migration", metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
                applied.append(migration.version)
            }
        }
        return applied
    }

    static let bookkeeping =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"

    /// The versions recorded as applied.
    public func appliedVersions() async throws -> [Int] {
        try await database.query("SELECT version FROM schema_migrations ORDER BY version").map { Int(try $0.int("version")) }
    }
}
