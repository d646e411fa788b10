import ChamberDomain
import Foundation

/// One chamber's messages and audit entries past its retention, read through the indexes the hot paths keep (a
/// channel's messages by sequence, the audit log by time), and their archives.
struct SQLRetentionStore: RetentionStore {
    let sql: ChamberScopedSQL

    func sweep(
        _ kind: RetentionKind, before cutoff: Date, limit: Int, write: @Sendable (ExpiredRows) async throws -> RetentionArchive
    ) async throws -> Int {
        try await sql.transaction { tx in
            // PostgreSQL locks the rows read, so another node's sweep and an edit wait, then find them gone; SQLite's
            // transactions take the one writer's lock from the start.
            let lock = tx.executor.dialect == .postgres ? " FOR UPDATE" : ""
            guard let expired = try await Self.expired(kind, before: cutoff, limit: limit, lock: lock, in: tx) else { return 0 }
            let archive = try await write(expired)
            try await tx.query(
                """
                INSERT INTO retention_archives (id, chamber_id, kind, from_at, to_at, row_count, size, created_at)
                VALUES (?, :chamber, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(archive.id), .text(archive.kind.rawValue), .date(archive.from), .date(archive.to), .int(Int64(archive.count)),
                    .int(Int64(archive.size)), .date(archive.createdAt),
                ])
            try await Self.remove(kind, expired.ids, in: tx)
            return expired.ids.count
        }
    }

    /// The oldest rows from before `cutoff`: audit entries by time; messages channel by channel, oldest first (a
    /// channel's sequence follows time, so a channel whose first message is recent is skipped after one row).
    private static func expired(
        _ kind: RetentionKind, before cutoff: Date, limit: Int, lock: String, in tx: ChamberScopedSQL
    ) async throws
        -> ExpiredRows?
    {
        let rows: [SQLRow]
        switch kind {
        case .audit:
            rows = try await tx.query(
                "SELECT * FROM audit_log WHERE chamber_id = :chamber AND at < ? ORDER BY at, id LIMIT ?\(lock)", [.date(cutoff), .int(Int64(limit))])
        case .messages:
            var taken: [SQLRow] = []
            let channels = try await tx.query("SELECT id FROM channels WHERE chamber_id = :chamber ORDER BY id")
            for channel in channels where taken.count < limit {
                let id = try channel.value("id")
                let first = try await tx.query(
                    "SELECT created_at FROM messages WHERE chamber_id = :chamber AND channel_id = ? ORDER BY seq LIMIT 1", [id])
                guard let oldest = try first.first?.date("created_at"), oldest < cutoff else { continue }
                let oldestRows = try await tx.query(
                    "SELECT * FROM messages WHERE chamber_id = :chamber AND channel_id = ? ORDER BY seq LIMIT ?\(lock)",
                    [id, .int(Int64(limit - taken.count))])
                taken += try oldestRows.prefix { try $0.date("created_at") < cutoff }
            }
            rows = taken
        }
        guard !rows.isEmpty else { return nil }
        let times = try rows.map { try $0.date(kind == .audit ? "at" : "created_at") }
        return ExpiredRows(
            ids: try rows.map { try $0.string("id") }, rows: rows.map { SQLRowJSON.json($0) }, from: times.min() ?? .distantPast,
            to: times.max() ?? .distantPast)
    }

    private static func remove(_ kind: RetentionKind, _ ids: [String], in tx: ChamberScopedSQL) async throws {
        for chunk in ids.chunks(of: 500) {
            let list = placeholders(chunk.count)
            let binds = chunk.map { SQLValue.text($0) }
            switch kind {
            case .audit:
                try await tx.query("DELETE FROM audit_log WHERE chamber_id = :chamber AND id IN (\(list))", binds)
            case .messages:
                // The channel's event stream holds copies (the message, its edits and reactions): they go too, and every
                // event up to the last removed message's (messages and events share the channel's sequence, and a
                // batch is a prefix of each channel's). A reader behind that is told to refetch.
                let removed = try await tx.query(
                    "DELETE FROM messages WHERE chamber_id = :chamber AND id IN (\(list)) RETURNING channel_id, seq", binds)
                var lastSeq: [String: Int64] = [:]
                for row in removed {
                    let channel = try row.string("channel_id")
                    lastSeq[channel] = max(lastSeq[channel] ?? 0, try row.int("seq"))
                }
                for (channel, seq) in lastSeq {
                    try await tx.query(
                        "DELETE FROM channel_events WHERE chamber_id = :chamber AND channel_id = ? AND (seq <= ? OR message_id IN (\(list)))",
                        [.text(channel), .int(seq)] + binds)
                }
            }
        }
    }

    static func archive(_ row: SQLRow) throws -> RetentionArchive {
        guard let kind = RetentionKind(rawValue: try row.string("kind")) else { throw StorageError.typeMismatch("kind", "retention kind") }
        return RetentionArchive(
            id: try row.string("id"), chamberID: try row.id("chamber_id"), kind: kind, from: try row.date("from_at"), to: try row.date("to_at"),
            count: Int(try row.int("row_count")), size: Int(try row.int("size")), createdAt: try row.date("created_at"))
    }

    static let columns = "id, chamber_id, kind, from_at, to_at, row_count, size, created_at"

    func archives() async throws -> [RetentionArchive] {
        try await sql.query(
            "SELECT \(Self.columns) FROM retention_archives WHERE chamber_id = :chamber ORDER BY created_at DESC, id LIMIT 1000"
        ).map(Self.archive)
    }

    func find(archive id: String) async throws -> RetentionArchive? {
        try await sql.query("SELECT \(Self.columns) FROM retention_archives WHERE chamber_id = :chamber AND id = ?", [.text(id)]).first.map(
            Self.archive)
    }
}
