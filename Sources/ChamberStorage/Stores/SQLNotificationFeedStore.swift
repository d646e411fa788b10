import ChamberDomain
import Foundation

struct SQLNotificationFeedStore: NotificationFeedStore {
    let sql: ChamberScopedSQL

    static let columns =
        "id, chamber_id, user_id, category, channel_id, seq, message_id, actor_id, title, text, count, created_at, updated_at, read_at, "
        + "subject_kind, subject_id"

    static func notification(_ row: SQLRow) throws -> ChamberDomain.Notification {
        guard let category = NotificationCategory(rawValue: try row.string("category")) else {
            throw StorageError.typeMismatch("category", "a notification category")
        }
        return Notification(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), userID: try row.id("user_id"), category: category,
            channelID: try row.optionalID("channel_id"), seq: try row.int("seq"), messageID: try row.optionalID("message_id"),
            actorID: try row.optionalID("actor_id"), subject: try Self.subject(row), title: try row.string("title"), text: try row.string("text"),
            count: Int(try row.int("count")), createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"),
            readAt: try row.optionalDate("read_at"))
    }

    /// A notice's subject, from its `subject_kind` and `subject_id` columns (in notifications and push jobs alike).
    static func subject(_ row: SQLRow) throws -> NotificationSubject? {
        guard let kind = try row.optionalString("subject_kind") else { return nil }
        guard let known = NotificationSubject.Kind(rawValue: kind) else { throw StorageError.typeMismatch("subject_kind", "a notice's subject") }
        return NotificationSubject(kind: known, id: try row.string("subject_id"))
    }

    func record(
        owed notification: ChamberDomain.Notification, inFeed: Bool, push: Bool, preview: Bool, mail: Mail?
    ) async throws -> (unread: Int, pushesQueued: Int)? {
        /// Another node recorded the notice first: this transaction rolls back.
        struct RecordedAlready: Error {}
        do {
            return try await sql.transaction { tx in
                guard try await SQLNoticeOutboxStore.forget(notification.id, in: tx) else { throw RecordedAlready() }
                if inFeed { try await Self.insert(notification, in: tx) }
                // Pushed and mailed as recorded (to the devices of sessions alive now).
                let pushes =
                    push ? try await SQLPushOutboxStore.enqueue(notice: notification, preview: preview, in: tx, at: notification.updatedAt) : 0
                if let mail { try await SQLMailOutboxStore.insert(mail, at: notification.updatedAt, in: tx.executor) }
                return (try await Self.unreadCount(of: notification.userID, in: tx), pushes)
            }
        } catch is RecordedAlready {
            return nil
        }
    }

    private static func insert(_ notification: ChamberDomain.Notification, in tx: ChamberScopedSQL) async throws {
        try await tx.query("INSERT INTO notifications (\(Self.columns)) VALUES \(Self.row)", Self.values(of: notification))
    }

    /// One row of ``columns`` in an INSERT (the chamber is the scope's), filled by ``values(of:)``.
    static let row = "(?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

    static func values(of notification: ChamberDomain.Notification) -> [SQLValue] {
        [
            .id(notification.id), .id(notification.userID), .text(notification.category.rawValue), .id(notification.channelID),
            .int(notification.seq), .id(notification.messageID), .id(notification.actorID), .text(notification.title), .text(notification.text),
            .int(Int64(notification.count)), .date(notification.createdAt), .date(notification.updatedAt), .date(notification.readAt),
            .text(notification.subject?.kind.rawValue), .text(notification.subject?.id),
        ]
    }

    func page(of user: UserID, unreadOnly: Bool, page: PageRequest, after cursor: FeedCursor?) async throws -> Page<ChamberDomain.Notification> {
        var conditions = "chamber_id = :chamber AND user_id = ?" + (unreadOnly ? " AND read_at IS NULL" : "")
        var binds: [SQLValue] = [.id(user)]
        if let cursor {
            conditions += " AND (updated_at < ? OR (updated_at = ? AND id < ?))"
            binds += [.int(cursor.updatedAt), .int(cursor.updatedAt), .text(cursor.id)]
        }
        let rows = try await sql.query(
            "SELECT \(Self.columns) FROM notifications WHERE \(conditions) ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?",
            binds + [.int(Int64(page.limit + 1)), .int(cursor == nil ? Int64(page.offset) : 0)])
        return Page(fetched: try rows.map(Self.notification), request: page) { FeedCursor(after: $0).text }
    }

    func unreadCount(of user: UserID) async throws -> Int {
        try await Self.unreadCount(of: user, in: sql)
    }

    static func unreadCount(of user: UserID, in sql: ChamberScopedSQL) async throws -> Int {
        Int(
            try await sql.query(
                "SELECT count(*) AS n FROM notifications WHERE chamber_id = :chamber AND user_id = ? AND read_at IS NULL", [.id(user)]
            ).first?.int("n") ?? 0)
    }

    func markRead(_ selection: FeedReadSelection, of user: UserID, at instant: Date) async throws -> (read: [NotificationID], unread: Int) {
        try await sql.transaction { tx in
            var read: [NotificationID] = []
            switch selection {
            case .all:
                read = try await tx.query(
                    "UPDATE notifications SET read_at = ? WHERE chamber_id = :chamber AND user_id = ? AND read_at IS NULL RETURNING id",
                    [.date(instant), .id(user)]
                ).map { try $0.id("id") }
            case .ids(let ids):
                for chunk in ids.chunked(200) {
                    read += try await tx.query(
                        """
                        UPDATE notifications SET read_at = ?
                        WHERE chamber_id = :chamber AND user_id = ? AND read_at IS NULL AND id IN (\(placeholders(chunk.count))) RETURNING id
                        """, [.date(instant), .id(user)] + chunk.map { .id($0) }
                    ).map { try $0.id("id") }
                }
            }
            return (read.sorted(), try await Self.unreadCount(of: user, in: tx))
        }
    }

    /// A member's unread notifications of one channel up to a sequence, read (migration 30's index serves it).
    static let readInChannel = """
        UPDATE notifications SET read_at = ?
        WHERE chamber_id = :chamber AND user_id = ? AND channel_id = ? AND seq <= ? AND read_at IS NULL RETURNING id
        """

    func markChannelRead(
        _ channelID: ChannelID, upTo seq: Int64, of user: UserID, at instant: Date
    ) async throws -> (
        read: [NotificationID], unread: Int
    ) {
        try await sql.transaction { tx in
            let read: [NotificationID] = try await tx.query(Self.readInChannel, [.date(instant), .id(user), .id(channelID), .int(seq)])
                .map { try $0.id("id") }
            return (read.sorted(), try await Self.unreadCount(of: user, in: tx))
        }
    }
}
