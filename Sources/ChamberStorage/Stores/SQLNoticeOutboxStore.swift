import ChamberDomain
import Foundation

/// Notices owed, in `notice_outbox`. Written by the stores of the changes they tell of, in those changes'
/// transactions (``insert(_:in:)``); forgotten by ``SQLNotificationFeedStore`` in the transaction that records them
/// (``forget(_:in:)``).
struct SQLNoticeOutboxStore: NoticeOutboxStore {
    let db: any SQLDatabase

    /// How long an owed notice is left to the node that made its change before any node's worker records it.
    static let handOver: TimeInterval = 30

    private static let columns = "id, chamber_id, user_id, category, subject_kind, subject_id, title, text, mail_subject, created_at, attempts"

    /// Writes `notices` owed, due for other nodes ``handOver`` after they were made.
    static func insert(_ notices: [Notice], in tx: ChamberScopedSQL) async throws {
        for notice in notices {
            precondition(notice.chamberID == tx.chamberID, "a notice of another chamber")
            try await tx.query(
                "INSERT INTO notice_outbox (\(Self.columns), not_before) VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                [
                    .id(notice.id), .id(notice.userID), .text(notice.category.rawValue), .text(notice.subject.kind.rawValue),
                    .text(notice.subject.id), .text(notice.title), .text(notice.text), .text(notice.mailSubject), .date(notice.createdAt),
                    .date(notice.createdAt.addingTimeInterval(Self.handOver)),
                ])
        }
    }

    /// Forgets `id` as owed; false when it was not (another transaction recorded it first: PostgreSQL makes this one
    /// wait for that one's commit, then finds nothing).
    static func forget(_ id: NotificationID, in tx: ChamberScopedSQL) async throws -> Bool {
        !(try await tx.query("DELETE FROM notice_outbox WHERE chamber_id = :chamber AND id = ? RETURNING id", [.id(id)]).isEmpty)
    }

    private static func owed(_ row: SQLRow) throws -> OwedNotice {
        guard let category = NotificationCategory(rawValue: try row.string("category")) else {
            throw StorageError.typeMismatch("category", "a notification category")
        }
        guard let subject = try SQLNotificationFeedStore.subject(row) else { throw StorageError.missingColumn("subject_kind") }
        return OwedNotice(
            Notice(
                id: try row.id("id"), chamberID: try row.id("chamber_id"), userID: try row.id("user_id"), category: category, subject: subject,
                title: try row.string("title"), text: try row.string("text"), mailSubject: try row.optionalString("mail_subject"),
                at: try row.date("created_at")),
            attempts: Int(try row.int("attempts")))
    }

    func owed(_ ids: [NotificationID]) async throws -> [OwedNotice] {
        guard !ids.isEmpty else { return [] }
        return try await db.query(
            "SELECT \(Self.columns) FROM notice_outbox WHERE id IN (\(placeholders(ids.count))) ORDER BY id", ids.map { .id($0) }
        ).compactMap { try? Self.owed($0) }
    }

    func claim(at instant: Date, lease: TimeInterval, limit: Int) async throws -> [OwedNotice] {
        // The due condition stands in the outer statement too: PostgreSQL re-checks it on a row another node claimed
        // meanwhile, so two nodes never claim one notice.
        try await db.query(
            """
            UPDATE notice_outbox SET not_before = ?, attempts = attempts + 1
            WHERE id IN (SELECT id FROM notice_outbox WHERE not_before <= ? ORDER BY not_before, id LIMIT ?) AND not_before <= ?
            RETURNING \(Self.columns)
            """,
            [.date(instant.addingTimeInterval(lease)), .date(instant), .int(Int64(limit)), .date(instant)]
        )
        // A row this version cannot read (a category a newer node wrote) stays claimed, then due again for a node
        // that can: it blocks no other.
        .compactMap { try? Self.owed($0) }
        .sorted { ($0.notice.createdAt, $0.notice.id.rawValue) < ($1.notice.createdAt, $1.notice.id.rawValue) }
    }

    func failed(_ id: NotificationID, error: String, retryAt: Date) async throws {
        try await db.query(
            "UPDATE notice_outbox SET not_before = ?, last_error = ? WHERE id = ?", [.date(retryAt), .text(String(error.prefix(500))), .id(id)])
    }

    func abandon(_ id: NotificationID) async throws -> Bool {
        !(try await db.query("DELETE FROM notice_outbox WHERE id = ? RETURNING id", [.id(id)]).isEmpty)
    }

    func nextDue() async throws -> Date? {
        try await db.query("SELECT MIN(not_before) AS due FROM notice_outbox").first?.optionalDate("due")
    }
}
