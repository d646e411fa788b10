import ChamberDomain
import Foundation

struct SQLNotificationFeedStore: NotificationFeedStore {
    let sql: ChamberScopedSQL

    static let columns =
        "id, chamber_id, user_id, category, channel_id, seq, message_id, actor_id, title, text, count, created_at, updated_at, read_at"

    static func notification(_ row: SQLRow) throws -> ChamberDomain.Notification {
        guard let category = NotificationCategory(rawValue: try row.string("category")) else {
            throw StorageError.typeMismatch("category", "a notification category")
        }
        return Notification(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), userID: try row.id("user_id"), category: category,
            channelID: try row.id("channel_id"), seq: try row.int("seq"), messageID: try row.id("message_id"), actorID: try row.id("actor_id"),
            title: try row.string("title"), text: try row.string("text"), count: Int(try row.int("count")), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"), readAt: try row.optionalDate("read_at"))
    }

    func page(of user: UserID, unreadOnly: Bool, page: PageRequest) async throws -> Page<ChamberDomain.Notification> {
        let rows = try await sql.query(
            """
            SELECT \(Self.columns) FROM notifications WHERE chamber_id = :chamber AND user_id = ?\(unreadOnly ? " AND read_at IS NULL" : "")
            ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?
            """, [.id(user)] + page.sqlBinds)
        return Page(fetched: try rows.map(Self.notification), request: page)
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

    func markChannelRead(
        _ channelID: ChannelID, upTo seq: Int64, of user: UserID, at instant: Date
    ) async throws -> (
        read: [NotificationID], unread: Int
    ) {
        try await sql.transaction { tx in
            let read: [NotificationID] = try await tx.query(
                """
                UPDATE notifications SET read_at = ?
                WHERE chamber_id = :chamber AND user_id = ? AND channel_id = ? AND seq <= ? AND read_at IS NULL RETURNING id
                """, [.date(instant), .id(user), .id(channelID), .int(seq)]
            ).map { try $0.id("id") }
            return (read.sorted(), try await Self.unreadCount(of: user, in: tx))
        }
    }
}

struct SQLNotificationFanoutStore: NotificationFanoutStore {
    let db: any SQLDatabase

    func pendingChannels(limit: Int) async throws -> [(chamberID: ChamberID, channelID: ChannelID)] {
        try await db.query(
            """
            SELECT c.chamber_id, c.id FROM channels c LEFT JOIN notification_cursors n ON n.channel_id = c.id
            WHERE c.last_seq > COALESCE(n.notified_seq, 0) ORDER BY c.id LIMIT ?
            """, [.int(Int64(limit))]
        ).map { (try $0.id("chamber_id"), try $0.id("id")) }
    }

    func unnotified(
        _ channelID: ChannelID, in chamber: ChamberID, limit: Int
    ) async throws -> (
        notifiedSeq: Int64, messages: [Message], upTo: Int64
    ) {
        let sql = ChamberScopedSQL(executor: db, chamberID: chamber)
        // The channel's newest sequence first: every message up to it has committed with it, so none is skipped.
        guard
            let row = try await sql.query(
                """
                SELECT c.last_seq, COALESCE(n.notified_seq, 0) AS notified_seq
                FROM channels c LEFT JOIN notification_cursors n ON n.channel_id = c.id WHERE c.chamber_id = :chamber AND c.id = ?
                """, [.id(channelID)]
            ).first
        else { return (0, [], 0) }
        let lastSeq = try row.int("last_seq")
        let notified = try row.int("notified_seq")
        guard lastSeq > notified else { return (notified, [], notified) }
        let messages = try await sql.query(
            """
            SELECT \(SQLMessageStore.columns) FROM messages WHERE chamber_id = :chamber AND channel_id = ? AND seq > ? AND seq <= ?
            ORDER BY seq LIMIT ?
            """, [.id(channelID), .int(notified), .int(lastSeq), .int(Int64(limit))]
        ).map(SQLMessageStore.message)
        let upTo = messages.count == limit ? messages.last?.seq ?? lastSeq : lastSeq
        return (notified, messages, upTo)
    }

    func record(
        _ additions: [FeedAddition], channelID: ChannelID, in chamber: ChamberID, from: Int64, to: Int64, at instant: Date
    ) async throws -> [FeedChange]? {
        try await ChamberScopedSQL(executor: db, chamberID: chamber).transaction { tx in
            try await tx.query(
                """
                INSERT INTO notification_cursors (channel_id, chamber_id, notified_seq) VALUES (?, :chamber, 0)
                ON CONFLICT (channel_id) DO NOTHING
                """, [.id(channelID)])
            // The step that makes a pass count once: it moves the channel on only from where this pass started.
            let moved = try await tx.query(
                "UPDATE notification_cursors SET notified_seq = ? WHERE chamber_id = :chamber AND channel_id = ? AND notified_seq = ? RETURNING channel_id",
                [.int(to), .id(channelID), .int(from)])
            guard !moved.isEmpty else { return nil }
            var changes: [ChamberDomain.Notification] = []
            for addition in additions {
                changes.append(try await Self.apply(addition, in: tx, at: instant))
            }
            var unread: [UserID: Int] = [:]
            for user in Set(changes.map(\.userID)) { unread[user] = try await SQLNotificationFeedStore.unreadCount(of: user, in: tx) }
            return changes.map { FeedChange(notification: $0, unreadCount: unread[$0.userID] ?? 0) }
        }
    }

    /// Grows the member's unread notification of the same channel and category from the last window, or adds one.
    private static func apply(_ addition: FeedAddition, in tx: ChamberScopedSQL, at instant: Date) async throws -> ChamberDomain.Notification {
        let newest = addition.newest
        let text = String(newest.body.prefix(ChamberDomain.Notification.textLimit))
        if let row = try await tx.query(
            """
            SELECT \(SQLNotificationFeedStore.columns) FROM notifications
            WHERE chamber_id = :chamber AND user_id = ? AND channel_id = ? AND category = ? AND read_at IS NULL AND updated_at > ?
            ORDER BY updated_at DESC LIMIT 1
            """,
            [
                .id(addition.userID), .id(addition.channelID), .text(addition.category.rawValue),
                .date(instant.addingTimeInterval(-ChamberDomain.Notification.collapseWindow)),
            ]
        ).first {
            var grown = try SQLNotificationFeedStore.notification(row)
            grown.seq = newest.seq
            grown.messageID = newest.id
            grown.actorID = newest.senderID
            grown.title = addition.title
            grown.text = text
            grown.count += addition.count
            grown.updatedAt = max(instant, grown.updatedAt)
            try await tx.query(
                """
                UPDATE notifications SET seq = ?, message_id = ?, actor_id = ?, title = ?, text = ?, count = ?, updated_at = ?
                WHERE chamber_id = :chamber AND id = ?
                """,
                [
                    .int(grown.seq), .id(grown.messageID), .id(grown.actorID), .text(grown.title), .text(grown.text), .int(Int64(grown.count)),
                    .date(grown.updatedAt), .id(grown.id),
                ])
            return grown
        }
        let added = ChamberDomain.Notification(
            id: .generate(), chamberID: tx.chamberID, userID: addition.userID, category: addition.category, channelID: addition.channelID,
            seq: newest.seq, messageID: newest.id, actorID: newest.senderID, title: addition.title, text: text, count: addition.count,
            createdAt: instant, updatedAt: instant)
        try await tx.query(
            "INSERT INTO notifications (\(SQLNotificationFeedStore.columns)) VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            [
                .id(added.id), .id(added.userID), .text(added.category.rawValue), .id(added.channelID), .int(added.seq), .id(added.messageID),
                .id(added.actorID), .text(added.title), .text(added.text), .int(Int64(added.count)), .date(added.createdAt), .date(added.updatedAt),
            ])
        return added
    }
}
