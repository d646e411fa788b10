import ChamberDomain
import Foundation

/// One chamber's members' export requests.
struct SQLDataExportStore: DataExportStore {
    let sql: ChamberScopedSQL

    static let columns = "id, chamber_id, user_id, requested_by, status, requested_at, ready_at, expires_at, size, failure"

    static func export(_ row: SQLRow) throws -> DataExport {
        guard let status = DataExportStatus(rawValue: try row.string("status")) else { throw StorageError.typeMismatch("status", "export status") }
        return DataExport(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), userID: try row.id("user_id"), requestedBy: try row.id("requested_by"),
            status: status, requestedAt: try row.date("requested_at"), readyAt: try row.optionalDate("ready_at"),
            expiresAt: try row.optionalDate("expires_at"), size: try row.optionalInt("size").map(Int.init), failure: try row.optionalString("failure")
        )
    }

    func insertPending(_ export: DataExport) async throws -> DataExport {
        do {
            try await sql.query(
                "INSERT INTO data_exports (id, chamber_id, user_id, requested_by, status, requested_at) VALUES (?, :chamber, ?, ?, 'pending', ?)",
                [.id(export.id), .id(export.userID), .id(export.requestedBy), .date(export.requestedAt)])
            return export
        } catch StorageError.uniqueViolation {
            // Another request of the same member's got there first: answer that one.
            guard let pending = try await pending(of: export.userID) else { throw StorageError.uniqueViolation("data_exports_one_pending") }
            return pending
        }
    }

    func find(id: DataExportID) async throws -> DataExport? {
        try await sql.query("SELECT \(Self.columns) FROM data_exports WHERE chamber_id = :chamber AND id = ?", [.id(id)]).first.map(Self.export)
    }

    func list(of user: UserID) async throws -> [DataExport] {
        try await sql.query(
            "SELECT \(Self.columns) FROM data_exports WHERE chamber_id = :chamber AND user_id = ? ORDER BY requested_at DESC, id LIMIT 100",
            [.id(user)]
        ).map(Self.export)
    }

    func pending(of user: UserID) async throws -> DataExport? {
        try await sql.query(
            "SELECT \(Self.columns) FROM data_exports WHERE chamber_id = :chamber AND user_id = ? AND status = 'pending'", [.id(user)]
        ).first.map(Self.export)
    }
}

/// Every chamber's export requests, as the nodes' workers take them.
struct SQLDataExportQueue: DataExportQueue {
    let db: any SQLDatabase

    func claim(now: Date, lease: TimeInterval) async throws -> DataExport? {
        // A conditional write: of two nodes claiming the same row, one's UPDATE matches nothing.
        for row in try await db.query(
            "SELECT id FROM data_exports WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY requested_at LIMIT 5",
            [.date(now)])
        {
            let claimed = try await db.query(
                "UPDATE data_exports SET claimed_until = ? WHERE id = ? AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < ?) "
                    + "RETURNING \(SQLDataExportStore.columns)",
                [.date(now.addingTimeInterval(lease)), .text(try row.string("id")), .date(now)])
            if let export = claimed.first { return try SQLDataExportStore.export(export) }
        }
        return nil
    }

    func finish(_ id: DataExportID, size: Int, at: Date, expiresAt: Date) async throws -> Bool {
        try await !db.query(
            "UPDATE data_exports SET status = 'ready', ready_at = ?, expires_at = ?, size = ?, claimed_until = NULL "
                + "WHERE id = ? AND status = 'pending' RETURNING id",
            [.date(at), .date(expiresAt), .int(Int64(size)), .id(id)]
        ).isEmpty
    }

    func fail(_ id: DataExportID, reason: String, at: Date) async throws {
        try await db.query(
            "UPDATE data_exports SET status = 'failed', failure = ?, ready_at = ?, claimed_until = NULL WHERE id = ? AND status = 'pending'",
            [.text(String(reason.prefix(500))), .date(at), .id(id)])
    }

    func dueToExpire(now: Date, limit: Int) async throws -> [DataExport] {
        try await db.query(
            "SELECT \(SQLDataExportStore.columns) FROM data_exports WHERE status = 'ready' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
            [.date(now), .int(Int64(limit))]
        ).map(SQLDataExportStore.export)
    }

    func expire(_ id: DataExportID) async throws {
        try await db.query("UPDATE data_exports SET status = 'expired' WHERE id = ? AND status = 'ready'", [.id(id)])
    }
}
