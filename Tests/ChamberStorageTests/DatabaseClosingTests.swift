import ChamberDomain
import ChamberTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import ChamberStorage

/// Closing the embedded database while it is in use: a server stopped after a load run crashed in SQLite, a read
/// racing the close. Work in flight finishes and is kept; work that comes later is refused with `unavailable`.
@Suite("SQLite: closing while in use")
struct DatabaseClosingTests {
    static func open() async throws -> (SQLiteDatabase, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chamber-closing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("test.sqlite").path
        let database = try await SQLiteDatabase.open(path: path, logger: Logger(label: "test"))
        try await database.query("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        try await database.query("INSERT INTO notes (body) VALUES ('first')")
        return (database, path)
    }

    /// What the readers saw.
    final class Tally: Sendable {
        let state = Mutex<(reads: Int, refusals: Int, others: [String])>((0, 0, []))
    }

    /// Set once, read from another task.
    final class Flag: Sendable {
        private let state = Mutex(false)
        func set() { state.withLock { $0 = true } }
        var isSet: Bool { state.withLock { $0 } }
    }

    static func isUnavailable(_ error: any Error) -> Bool {
        (error as? ChamberError)?.code == .unavailable
    }

    @Test("reads racing the close end with unavailable, never a crash, and nothing runs after it")
    func readsRacingClose() async throws {
        let (database, _) = try await Self.open()
        let outcomes = Tally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    while true {
                        do {
                            _ = try await database.query("SELECT id, body FROM notes WHERE id = ?", [.int(1)])
                            outcomes.state.withLock { $0.reads += 1 }
                        } catch {
                            outcomes.state.withLock {
                                if Self.isUnavailable(error) { $0.refusals += 1 } else { $0.others.append("\(error)") }
                            }
                            return
                        }
                        await Task.yield()
                    }
                }
            }
            try await eventually("readers are reading") { outcomes.state.withLock { $0.reads } > 0 }
            try await database.close()
            try await group.waitForAll()
        }
        let (reads, refusals, others) = outcomes.state.withLock { $0 }
        #expect(reads > 0)
        #expect(refusals == 8)
        #expect(others.isEmpty)
        await #expect(throws: ChamberError.self) { try await database.query("SELECT 1 AS one") }
        await #expect(throws: ChamberError.self) { try await database.transaction { try await $0.query("SELECT 1 AS one") } }
    }

    @Test("a transaction in flight when the close starts commits, and the close waits for it")
    func transactionInFlight() async throws {
        let (database, path) = try await Self.open()
        let started = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let transaction = Task {
            try await database.transaction { sql in
                try await sql.query("INSERT INTO notes (body) VALUES ('in flight')")
                started.continuation.yield()
                for await _ in release.stream { break }
            }
        }
        for await _ in started.stream { break }
        let closed = Flag()
        let closing = Task {
            try await database.close()
            closed.set()
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(!closed.isSet)
        release.continuation.yield()
        try await transaction.value
        try await closing.value
        #expect(closed.isSet)

        let reopened = try await SQLiteDatabase.open(path: path, logger: Logger(label: "test"))
        let bodies = try await reopened.query("SELECT body FROM notes ORDER BY id").map { try $0.string("body") }
        #expect(bodies == ["first", "in flight"])
        try await reopened.close()
    }
}
