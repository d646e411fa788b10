import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// Copies of the embedded SQLite database: taken while nodes serve, checked, and loaded back.
///
/// A copy is taken with SQLite's online backup in one step, inside one read transaction of the live file (in WAL
/// mode, writers go on meanwhile): it holds exactly what was committed when the copy began, so every message
/// acknowledged before then is in it.
public enum SQLiteBackup {
    /// What a copy holds.
    public struct Summary: Sendable, CustomStringConvertible {
        /// The newest migration the copy carries.
        public let schemaVersion: Int
        public let messages: Int
        public let bytes: Int

        public var description: String { "schema version \(schemaVersion), \(messages) messages, \(bytes) bytes" }
    }

    /// Why a copy could not be taken, checked or loaded; the path says which file.
    public enum Failure: Error, CustomStringConvertible {
        /// The file is not there.
        case missing(String)
        /// The file to write exists, and is not replaced unasked.
        case exists(String)
        /// SQLite's integrity check failed; its first lines.
        case damaged(String, String)
        /// A readable SQLite file, but not one of ours.
        case notChamberConnect(String)
        /// A process (a node) has the database open: replacing it would lose what that process writes next.
        case inUse(String)

        public var description: String {
            switch self {
            case .missing(let path): "'\(path)' does not exist"
            case .exists(let path): "'\(path)' exists already; give a new file, or --force to replace it"
            case .damaged(let path, let report): "'\(path)' is damaged: \(report)"
            case .notChamberConnect(let path): "'\(path)' is not a ChamberConnect database (it has no schema_migrations)"
            case .inUse(let path): "'\(path)' is open in another process (a node?): stop every node using it, then restore"
            }
        }
    }

    /// Writes a consistent copy of the database at `source` to the new file `destination`, and checks it.
    public static func backup(from source: String, to destination: String) throws -> Summary {
        guard FileManager.default.fileExists(atPath: source) else { throw Failure.missing(source) }
        guard !FileManager.default.fileExists(atPath: destination) else { throw Failure.exists(destination) }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        do {
            let live = try DatabasePool(path: source, configuration: configuration)
            let copy = try DatabaseQueue(path: destination)
            try live.backup(to: copy)
            try copy.close()
            try live.close()
            return try check(destination)
        } catch {
            // No half copy left behind to be taken for a whole one (or to block the next try).
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
    }

    /// Checks a copy: SQLite's integrity check passes and it is a ChamberConnect database; says what it holds.
    public static func check(_ path: String) throws -> Summary {
        guard FileManager.default.fileExists(atPath: path) else { throw Failure.missing(path) }
        var configuration = Configuration()
        configuration.readonly = true
        let copy = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? copy.close() }
        return try copy.read { db in
            let report = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            guard report == ["ok"] else { throw Failure.damaged(path, report.prefix(5).joined(separator: "; ")) }
            guard try db.tableExists("schema_migrations") else { throw Failure.notChamberConnect(path) }
            let version = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM schema_migrations") ?? 0
            let messages = try db.tableExists("messages") ? try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages") ?? 0 : 0
            let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            return Summary(schemaVersion: version, messages: messages, bytes: bytes)
        }
    }

    /// Loads the copy `backup` into the database file `target`, which no node may have open. An existing `target`
    /// is replaced only when `replacing`; its old WAL files go with it, so nothing of it mixes with the copy.
    public static func restore(from backup: String, to target: String, replacing: Bool) throws -> Summary {
        _ = try check(backup)
        let manager = FileManager.default
        if manager.fileExists(atPath: target) {
            guard replacing else { throw Failure.exists(target) }
            guard !isOpenElsewhere(target) else { throw Failure.inUse(target) }
            for suffix in ["", "-wal", "-shm"] where manager.fileExists(atPath: target + suffix) {
                try manager.removeItem(atPath: target + suffix)
            }
        }
        let folder = URL(fileURLWithPath: target).deletingLastPathComponent().path
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.readonly = true
        let source = try DatabaseQueue(path: backup, configuration: configuration)
        let restored = try DatabaseQueue(path: target)
        try source.backup(to: restored)
        try restored.close()
        try source.close()
        return try check(target)
    }

    /// Whether another process has the database at `path` open: every SQLite connection in WAL mode holds a shared
    /// lock on byte 128 of the `-shm` file (the "DMS" slot of SQLite's unix VFS) for as long as it is open.
    static func isOpenElsewhere(_ path: String) -> Bool {
        let descriptor = open(path + "-shm", O_RDONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var probe = flock()
        probe.l_type = Int16(F_WRLCK)
        probe.l_whence = Int16(SEEK_SET)
        probe.l_start = 128
        probe.l_len = 1
        guard fcntl(descriptor, F_GETLK, &probe) == 0 else { return false }
        return probe.l_type != Int16(F_UNLCK)
    }
}
