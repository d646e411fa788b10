import ChamberDomain
import Foundation
import Logging
import Testing

@testable import ChamberStorage

/// `storage.sqlite.synchronous` is what the writer commits with. GRDB sets `synchronous = NORMAL` on the writer when it
/// turns WAL on, after the connection's own set-up ran: until 2026-12-08 every file database committed with `NORMAL`,
/// whatever the configuration said, so an acknowledged message did not survive a power cut under `full`.
@Suite("SQLite: the configured durability is the writer's")
struct SQLiteSynchronousTests {
    /// `PRAGMA synchronous` as SQLite reports it: 2 is FULL, 1 is NORMAL.
    static let reported: [SQLiteSynchronous: Int64] = [.full: 2, .normal: 1]

    @Test("the writer commits with the setting, on a new file and when the file is opened again", arguments: SQLiteSynchronous.allCases)
    func writerCommitsWithTheSetting(setting: SQLiteSynchronous) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chamber-synchronous-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("test.sqlite").path
        for _ in 0..<2 {
            let database = try await SQLiteDatabase.open(path: path, synchronous: setting, logger: Logger(label: "test"))
            // Inside a transaction every statement runs on the writer's connection, the one that commits.
            let rows = try await database.transaction { tx in try await tx.query("PRAGMA synchronous", []) }
            #expect(try rows.first?.int("synchronous") == Self.reported[setting])
            try await database.close()
        }
    }
}
