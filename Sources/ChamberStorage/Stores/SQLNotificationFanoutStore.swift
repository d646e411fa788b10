import ChamberDomain
import Foundation

/// The notification fan-out's reads and its one write, each a few statements however many channels a pass covers.
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

    func backlogs(of channels: [ChannelID], in chamber: ChamberID, limit: Int) async throws -> [ChannelBacklog] {
        let sql = ChamberScopedSQL(executor: db, chamberID: chamber)
        var result: [ChannelBacklog] = []
        for chunk in channels.chunked(200) {
            // The channels' newest sequences first: every message up to them has committed with them, so none is skipped.
            // The chamber is compared as an expression so that SQLite finds the channels by id, not by reading every
            // channel of the chamber (which it chose for four ids or more).
            let rows = try await sql.query(
                """
                SELECT \(columnList(SQLChannelStore.columnNames, of: "c")),
                    COALESCE(n.notified_seq, 0) AS notified_seq
                FROM channels c LEFT JOIN notification_cursors n ON n.channel_id = c.id
                WHERE c.id IN (\(placeholders(chunk.count))) AND c.chamber_id || '' = :chamber
                """, chunk.map { .id($0) })
            var work: [(channel: Channel, from: Int64, upTo: Int64)] = []
            for row in rows {
                let channel = try SQLChannelStore.channel(row)
                let from = try row.int("notified_seq")
                work.append((channel, from, min(channel.lastSeq, from + Int64(limit))))
            }
            let open = work.filter { $0.upTo > $0.from }
            var messages: [ChannelID: [Message]] = [:]
            if !open.isEmpty {
                let terms = Array(repeating: "(channel_id = ? AND seq > ? AND seq <= ?)", count: open.count).joined(separator: " OR ")
                for row in try await sql.query(
                    "SELECT \(SQLMessageStore.columns) FROM messages WHERE chamber_id = :chamber AND (\(terms)) ORDER BY channel_id, seq",
                    open.flatMap { [.id($0.channel.id), .int($0.from), .int($0.upTo)] })
                {
                    let message = try SQLMessageStore.message(row)
                    messages[message.channelID, default: []].append(message)
                }
            }
            result += work.map { ChannelBacklog(channel: $0.channel, notifiedSeq: $0.from, upTo: $0.upTo, messages: messages[$0.channel.id] ?? []) }
        }
        return result
    }

    func record(_ passes: [ChannelPass], in chamber: ChamberID, at instant: Date, claim: PushClaim?) async throws -> RecordedNotifications {
        guard !passes.isEmpty else { return RecordedNotifications() }
        // In channel id order: every worker inserts and locks the cursors in that order.
        let passes = passes.sorted { $0.channelID.rawValue < $1.channelID.rawValue }
        return try await ChamberScopedSQL(executor: db, chamberID: chamber).transaction { tx in
            for chunk in passes.chunked(200) {
                try await tx.query(
                    "INSERT INTO notification_cursors (channel_id, chamber_id, notified_seq) VALUES "
                        + Array(repeating: "(?, :chamber, 0)", count: chunk.count).joined(separator: ", ")
                        + " ON CONFLICT (channel_id) DO NOTHING", chunk.map { .id($0.channelID) })
            }
            // The step that makes a pass count once: it moves each channel on only from where the pass read it.
            let moved = try await Self.moveCursors(passes, in: tx)
            let additions = passes.filter { moved.contains($0.channelID) }.flatMap(\.additions)
            guard !additions.isEmpty else { return RecordedNotifications() }
            let feed = additions.filter(\.inApp)
            let notifications = feed.isEmpty ? [] : try await Self.apply(feed, in: tx, at: instant)
            let unread = try await Self.unreadCounts(of: Array(Set(notifications.map(\.userID))), in: tx)
            // Pushes commit with the notifications: none is lost between them, and none is queued for a pass that
            // did not count.
            let pushes = try await SQLPushOutboxStore.enqueue(
                additions, in: tx, at: instant, claim: claim, bursts: Dictionary(notifications.map { (FeedKey($0), $0.count) }) { $1 })
            // So are the e-mails they owe.
            try await SQLNotificationEmailStore.schedule(additions, in: tx, at: instant)
            return RecordedNotifications(
                changes: notifications.map { FeedChange(notification: $0, unreadCount: unread[$0.userID] ?? 0) },
                pushesQueued: pushes.unclaimed, claimedPushes: pushes.claimed)
        }
    }

    /// Moves each pass's channel (in id order) from the sequence the pass read to the one it reached, where nobody
    /// moved it meanwhile, a statement per 200 channels; returns the channels moved.
    private static func moveCursors(_ passes: [ChannelPass], in tx: ChamberScopedSQL) async throws -> Set<ChannelID> {
        var moved: Set<ChannelID> = []
        for chunk in passes.chunked(200) {
            if tx.executor.dialect == .postgres {
                // PostgreSQL locks an UPDATE … FROM's rows in the order of its plan (a hash join: the table's), so
                // they are locked in id order first, as every worker does, and two passes cannot deadlock. SQLite's
                // writer holds the whole database already.
                try await tx.query(
                    "SELECT channel_id FROM notification_cursors WHERE chamber_id = :chamber AND channel_id IN (\(placeholders(chunk.count))) ORDER BY channel_id FOR UPDATE",
                    chunk.map { .id($0.channelID) })
            }
            for row in try await tx.query(
                """
                WITH moves(channel_id, from_seq, to_seq) AS (VALUES \(Array(repeating: "(?, ?, ?)", count: chunk.count).joined(separator: ", ")))
                UPDATE notification_cursors SET notified_seq = moves.to_seq FROM moves
                WHERE notification_cursors.chamber_id = :chamber AND notification_cursors.channel_id = moves.channel_id
                    AND notification_cursors.notified_seq = moves.from_seq
                RETURNING notification_cursors.channel_id AS channel_id
                """, chunk.flatMap { [.id($0.channelID), .int($0.from), .int($0.to)] })
            {
                moved.insert(try row.id("channel_id"))
            }
        }
        return moved
    }

    /// Grows each member's unread notification of the same channel and category from the last window, or adds one:
    /// one read of the candidates, then a statement per 100 grown notifications and one per 100 new ones.
    private static func apply(_ additions: [FeedAddition], in tx: ChamberScopedSQL, at instant: Date) async throws -> [ChamberDomain.Notification] {
        var open: [FeedKey: ChamberDomain.Notification] = [:]
        let channels = Array(Set(additions.map(\.channelID)))
        for chunk in channels.chunked(200) {
            for row in try await tx.query(
                """
                SELECT \(SQLNotificationFeedStore.columns) FROM notifications
                WHERE chamber_id = :chamber AND read_at IS NULL AND updated_at > ? AND channel_id IN (\(placeholders(chunk.count)))
                ORDER BY updated_at
                """, [.date(instant.addingTimeInterval(-ChamberDomain.Notification.collapseWindow))] + chunk.map { .id($0) })
            {
                let notification = try SQLNotificationFeedStore.notification(row)
                // Ascending: the newest of a key is kept.
                open[FeedKey(notification)] = notification
            }
        }
        var result: [ChamberDomain.Notification] = []
        var added: [ChamberDomain.Notification] = []
        var grownByID: [NotificationID: ChamberDomain.Notification] = [:]
        let countsRead = open.values.reduce(into: [NotificationID: Int]()) { $0[$1.id] = $1.count }
        for addition in additions {
            let newest = addition.newest
            let text = String(newest.body.prefix(ChamberDomain.Notification.textLimit))
            let key = FeedKey(addition)
            if var grown = open[key] {
                grown.seq = newest.seq
                grown.messageID = newest.id
                grown.actorID = newest.senderID
                grown.title = addition.title
                grown.text = text
                grown.count += addition.count
                grown.updatedAt = max(instant, grown.updatedAt)
                grownByID[grown.id] = grown
                open[key] = grown
                result.append(grown)
            } else {
                let notification = ChamberDomain.Notification(
                    id: .generateOrdered(), chamberID: tx.chamberID, userID: addition.userID, category: addition.category,
                    channelID: addition.channelID, seq: newest.seq, messageID: newest.id, actorID: newest.senderID, title: addition.title,
                    text: text, count: addition.count, createdAt: instant, updatedAt: instant)
                open[key] = notification
                added.append(notification)
                result.append(notification)
            }
        }
        // A notification belongs to one channel, whose cursor this transaction holds: no other pass grows it meanwhile.
        // Its member may have read it since it was read above (PostgreSQL reads what others committed): one read
        // grows no more, and what this pass adds to it becomes a notification of its own.
        var stillUnread: Set<NotificationID> = []
        for chunk in grownByID.values.sorted(by: { $0.id.rawValue < $1.id.rawValue }).chunked(100) {
            for row in try await tx.query(
                """
                WITH grown(id, seq, message_id, actor_id, title, body, count, updated_at) AS
                    (VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")))
                UPDATE notifications SET seq = grown.seq, message_id = grown.message_id, actor_id = grown.actor_id, title = grown.title,
                    text = grown.body, count = grown.count, updated_at = grown.updated_at
                FROM grown WHERE notifications.chamber_id = :chamber AND notifications.id = grown.id AND notifications.read_at IS NULL
                RETURNING notifications.id AS id
                """,
                chunk.flatMap { grown -> [SQLValue] in
                    [
                        .id(grown.id), .int(grown.seq), .id(grown.messageID), .id(grown.actorID),
                        .text(grown.title), .text(grown.text),
                        .int(Int64(grown.count)), .date(grown.updatedAt),
                    ]
                })
            {
                stillUnread.insert(try row.id("id"))
            }
        }
        for (id, grown) in grownByID where !stillUnread.contains(id) {
            let fresh = ChamberDomain.Notification(
                id: .generateOrdered(), chamberID: grown.chamberID, userID: grown.userID, category: grown.category, channelID: grown.channelID,
                seq: grown.seq, messageID: grown.messageID, actorID: grown.actorID, title: grown.title, text: grown.text,
                count: grown.count - (countsRead[id] ?? 0), createdAt: instant, updatedAt: instant)
            added.append(fresh)
            result = result.map { $0.id == id ? fresh : $0 }
        }
        for chunk in added.chunked(100) {
            try await tx.query(
                "INSERT INTO notifications (\(SQLNotificationFeedStore.columns)) VALUES "
                    + Array(repeating: SQLNotificationFeedStore.row, count: chunk.count).joined(separator: ", "),
                chunk.flatMap(SQLNotificationFeedStore.values))
        }
        return result
    }

    /// Each member's unread notifications in every chamber they belong to: their phone's badge (one app, however
    /// many chambers), a statement per 500 members. Members with none are absent.
    static func badges(of users: [UserID], in executor: any SQLExecutor) async throws -> [UserID: Int] {
        var counts: [UserID: Int] = [:]
        for chunk in users.chunked(500) {
            // Around the chamber scope on purpose: a member's own counts, summed over their chambers.
            for row in try await executor.query(badgesOf(chunk.count), chunk.map { .id($0) }) {
                counts[try row.id("user_id")] = Int(try row.int("n"))
            }
        }
        return counts
    }

    /// The statement of ``badges(of:in:)`` for `count` members.
    static func badgesOf(_ count: Int) -> String {
        """
        SELECT n.user_id, count(*) AS n FROM notifications n
        JOIN memberships m ON m.chamber_id = n.chamber_id AND m.user_id = n.user_id
        WHERE n.read_at IS NULL AND n.user_id IN (\(placeholders(count))) GROUP BY n.user_id
        """
    }

    /// The members' unread notifications in the scope's chamber (its badge in the app), a statement per 500 members.
    static func unreadCounts(of users: [UserID], in tx: ChamberScopedSQL) async throws -> [UserID: Int] {
        var counts: [UserID: Int] = [:]
        for chunk in users.chunked(500) {
            for row in try await tx.query(
                """
                SELECT user_id, count(*) AS n FROM notifications
                WHERE chamber_id = :chamber AND read_at IS NULL AND user_id IN (\(placeholders(chunk.count))) GROUP BY user_id
                """, chunk.map { .id($0) })
            {
                counts[try row.id("user_id")] = Int(try row.int("n"))
            }
        }
        return counts
    }
}
