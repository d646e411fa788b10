import ChamberDomain
import Foundation

/// One chamber's messages and audit entries past its retention, read through the indexes the hot paths keep (a
/// channel's messages by sequence, the audit log by time), and their archives.
struct SQLRetentionStore: RetentionStore {
    let sql: ChamberScopedSQL

    func expired(_ kind: RetentionKind, before cutoff: Date, limit: Int) async throws -> ExpiredRows? {
        let rows: [SQLRow]
        switch kind {
        case .audit:
            rows = try await sql.query(
                "SELECT * FROM audit_log WHERE chamber_id = :chamber AND at < ? ORDER BY at, id LIMIT ?", [.date(cutoff), .int(Int64(limit))])
        case .messages:
            // Channel by channel, oldest first: a channel's sequence follows time, so its oldest `limit` rows by
            // sequence hold every expired one a batch can take, read by the (channel, sequence) index.
            var taken: [SQLRow] = []
            let channels = try await sql.query("SELECT id FROM channels WHERE chamber_id = :chamber ORDER BY id")
            for channel in channels where taken.count < limit {
                let oldest = try await sql.query(
                    "SELECT * FROM messages WHERE chamber_id = :chamber AND channel_id = ? ORDER BY seq LIMIT ?",
                    [try channel.value("id"), .int(Int64(limit - taken.count))])
                taken += try oldest.prefix { try $0.date("created_at") < cutoff }
            }
            rows = taken
        }
        guard !rows.isEmpty else { return nil }
        let times = try rows.map { try $0.date(kind == .audit ? "at" : "created_at") }
        return ExpiredRows(
            ids: try rows.map { try $0.string("id") }, rows: rows.map { SQLRowJSON.json($0) }, from: times.min() ?? .distantPast,
            to: times.max() ?? .distantPast)
    }

    func archive(_ archive: RetentionArchive, removing ids: [String]) async throws {
        try await sql.transaction { tx in
            try await tx.query(
                """
                INSERT INTO retention_archives (id, chamber_id, kind, from_at, to_at, row_count, size, created_at)
                VALUES (?, :chamber, ?, ?, ?, ?, ?, ?) ON CONFLICT (chamber_id, id) DO NOTHING
                """,
                [
                    .text(archive.id), .text(archive.kind.rawValue), .date(archive.from), .date(archive.to), .int(Int64(archive.count)),
                    .int(Int64(archive.size)), .date(archive.createdAt),
                ])
            for chunk in ids.chunks(of: 500) {
                let list = placeholders(chunk.count)
                let binds = chunk.map { SQLValue.text($0) }
                switch archive.kind {
                case .audit:
                    try await tx.query("DELETE FROM audit_log WHERE chamber_id = :chamber AND id IN (\(list))", binds)
                case .messages:
                    // The channel's event stream holds copies (the message, its edits and reactions): they go too, and
                    // every event before the last removed message's. A reader behind that is told to refetch.
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
