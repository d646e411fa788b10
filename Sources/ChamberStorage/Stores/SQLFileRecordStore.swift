import ChamberDomain
import Foundation

/// Records of stored files; their bytes are in the ``FileStore``.
struct SQLFileRecordStore: FileRecordStore {
    let db: any SQLDatabase

    static let columns = "id, chamber_id, owner_id, channel_id, kind, name, content_type, size, sha256, scan_status, scan_detail, created_at"

    static func file(_ row: SQLRow) throws -> StoredFile {
        guard let kind = DocumentKind(rawValue: try row.string("kind")) else { throw StorageError.typeMismatch("kind", "a document kind") }
        guard let type = FileContentType(rawValue: try row.string("content_type")) else {
            throw StorageError.typeMismatch("content_type", "a file type")
        }
        guard let scan = FileScanStatus(rawValue: try row.string("scan_status")) else {
            throw StorageError.typeMismatch("scan_status", "a scan status")
        }
        return StoredFile(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), ownerID: try row.id("owner_id"), channelID: try row.optionalID("channel_id"),
            kind: kind, name: try row.string("name"),
            contentType: type, size: Int(try row.int("size")), sha256: try row.string("sha256"), scan: FileScan(scan, try row.string("scan_detail")),
            createdAt: try row.date("created_at"))
    }

    func insert(_ file: StoredFile) async throws {
        try await db.query(
            "INSERT INTO files (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                .id(file.id), .id(file.chamberID), .id(file.ownerID), .id(file.channelID), .text(file.kind.rawValue), .text(file.name),
                .text(file.contentType.rawValue),
                .int(Int64(file.size)), .text(file.sha256), .text(file.scan.status.rawValue), .text(file.scan.detail), .date(file.createdAt),
            ])
    }

    func find(id: FileID) async throws -> StoredFile? {
        try await db.query("SELECT \(Self.columns) FROM files WHERE id = ?", [.id(id)]).first.map(Self.file)
    }

    /// Whether a message of the file's channel (published, or held and waiting for review) names `files`' row: its
    /// attachments hold `"url":"<the file's path>"`. A body cannot hold that text unescaped (its quotes are escaped
    /// in the JSON), so a message that only mentions the path does not count.
    static let namedByMessage = """
        (EXISTS (SELECT 1 FROM messages m WHERE m.chamber_id = files.chamber_id AND m.channel_id = files.channel_id
            AND m.attachments <> '[]' AND m.attachments LIKE '%"url":"/v1/chambers/' || files.chamber_id || '/files/' || files.id || '"%')
        OR EXISTS (SELECT 1 FROM held_messages h JOIN review_items r ON r.chamber_id = h.chamber_id AND r.message_id = h.id
            WHERE h.chamber_id = files.chamber_id AND h.channel_id = files.channel_id AND r.kind = 'held' AND r.state = 'pending'
            AND h.payload LIKE '%"url":"/v1/chambers/' || files.chamber_id || '/files/' || files.id || '"%'))
        """

    func markNamedAttachments(uploadedBefore cutoff: Date, at: Date) async throws -> Int {
        try await db.query(
            """
            UPDATE files SET named_at = ? WHERE kind = 'message_attachment' AND named_at IS NULL AND created_at < ? AND \(Self.namedByMessage)
            RETURNING id
            """, [.date(at), .date(cutoff)]
        ).count
    }

    func claimAttachment(_ id: FileID, channelID: ChannelID, owner: UserID, at: Date) async throws -> StoredFile? {
        try await db.query(
            """
            UPDATE files SET named_at = COALESCE(named_at, ?)
            WHERE id = ? AND kind = 'message_attachment' AND channel_id = ? AND owner_id = ? RETURNING \(Self.columns)
            """, [.date(at), .id(id), .id(channelID), .id(owner)]
        ).first.map(Self.file)
    }

    func deleteUnnamed(id: FileID) async throws -> Bool {
        try await db.query("DELETE FROM files WHERE id = ? AND named_at IS NULL RETURNING id", [.id(id)]).isEmpty == false
    }

    func isNamed(_ file: FileID) async throws -> Bool {
        try await db.query("SELECT 1 FROM files WHERE id = ? AND \(Self.namedByMessage)", [.id(file)]).isEmpty == false
    }

    func unnamedAttachments(uploadedBefore cutoff: Date, limit: Int) async throws -> [StoredFile] {
        try await db.query(
            """
            SELECT \(Self.columns) FROM files WHERE kind = 'message_attachment' AND named_at IS NULL AND created_at < ?
            ORDER BY created_at LIMIT ?
            """, [.date(cutoff), .int(Int64(limit))]
        ).map(Self.file)
    }

    func delete(id: FileID) async throws -> Bool {
        try await db.query("DELETE FROM files WHERE id = ? RETURNING id", [.id(id)]).isEmpty == false
    }
}
