import ChamberDomain
import Foundation

/// Messages and the channel event stream.
///
/// Sequence numbers come from `channels.last_seq`, raised in the same transaction that stores the events (by one
/// for an edit, a delete or a reaction; by a batch's count for sends, see ``MessageAppendBatch``). On PostgreSQL the
/// `UPDATE` takes the channel row's lock, so two nodes appending to one channel take turns and the sequence stays
/// gapless; a failed transaction rolls its numbers back. SQLite has one writer anyway.
struct SQLMessageStore: MessageStore {
    let sql: ChamberScopedSQL
    let writer: GroupCommit<Message, AppendOutcome>

    static let columns =
        "id, chamber_id, channel_id, seq, sender_id, client_message_id, body, reply_to, mentions, attachments, reactions, created_at, edited_at, deleted_at, data, urgent"

    static func message(_ row: SQLRow) throws -> Message {
        Message(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), channelID: try row.id("channel_id"), seq: try row.int("seq"),
            senderID: try row.id("sender_id"), clientMessageID: try row.string("client_message_id"), body: try row.string("body"),
            replyTo: try row.optionalID("reply_to"), mentions: try row.json("mentions", as: [UserID].self),
            attachments: try row.json("attachments", as: [Attachment].self), data: try row.optionalJSON("data", as: JSONValue.self),
            reactions: try row.json("reactions", as: [String: [UserID]].self),
            createdAt: try row.date("created_at"), editedAt: try row.optionalDate("edited_at"), deletedAt: try row.optionalDate("deleted_at"),
            urgent: try row.bool("urgent"))
    }

    /// Raises the channel's sequence and returns the new number (holding the channel row until commit).
    private static func nextSeq(_ tx: ChamberScopedSQL, _ channelID: ChannelID) async throws -> Int64 {
        guard
            let row = try await tx.query(
                "UPDATE channels SET last_seq = last_seq + 1 WHERE chamber_id = :chamber AND id = ? RETURNING last_seq", [.id(channelID)]
            ).first
        else {
            throw ChamberError(.channelNotFound, "no channel \(channelID)")
        }
        return try row.int("last_seq")
    }

    private static func insertEvent(_ tx: ChamberScopedSQL, _ event: ChannelEvent, messageID: MessageID?) async throws {
        try await tx.query(
            "INSERT INTO channel_events (chamber_id, channel_id, seq, kind, message_id, payload, created_at) VALUES (:chamber, ?, ?, ?, ?, ?, ?)",
            [.id(event.channelID), .int(event.seq), .text(event.kind), .id(messageID), try .json(event.body), .date(event.at)])
    }

    /// Stored with the sends queued meanwhile, in one transaction (``MessageAppendBatch``).
    func append(_ draft: Message) async throws -> AppendOutcome {
        try await enqueue(draft).stored()
    }

    func enqueue(_ draft: Message) throws -> PendingAppend {
        guard draft.chamberID == sql.chamberID else {
            throw ChamberError(.internalError, "a message of chamber \(draft.chamberID) appended through chamber \(sql.chamberID)'s store")
        }
        let (writer, ticket) = (self.writer, writer.enqueue(draft))
        return PendingAppend { try await writer.answer(ticket) }
    }

    /// What a sender already stored in a channel under a client message id (a retried send), if anything: the
    /// question a send asks before it is queued (``SQLChannelStore/findSent(_:senderID:clientMessageID:)``); the
    /// batch asks it again, for all its sends at once, under the channels' locks.
    static func sent(_ sql: ChamberScopedSQL, _ channelID: ChannelID, senderID: UserID, clientMessageID: String) async throws -> Message? {
        try await sql.query(
            "SELECT \(columns) FROM messages WHERE chamber_id = :chamber AND channel_id = ? AND sender_id = ? AND client_message_id = ?",
            [.id(channelID), .id(senderID), .text(clientMessageID)]
        ).first.map(message)
    }

    func find(id: MessageID) async throws -> Message? {
        try await sql.query("SELECT \(Self.columns) FROM messages WHERE chamber_id = :chamber AND id = ?", [.id(id)]).first.map(Self.message)
    }

    func modify(_ messageID: MessageID, at: Date, change: @Sendable (inout Message) throws -> ChannelEvent.Body) async throws -> ChannelEvent {
        guard let channelID = try await find(id: messageID)?.channelID else { throw ChamberError(.messageNotFound, "no message \(messageID)") }
        return try await sql.transaction { tx in
            // The channel's lock first, then the message as it is now: mutations of one channel take turns.
            let seq = try await Self.nextSeq(tx, channelID)
            guard let row = try await tx.query("SELECT \(Self.columns) FROM messages WHERE chamber_id = :chamber AND id = ?", [.id(messageID)]).first
            else {
                throw ChamberError(.messageNotFound, "no message \(messageID)")
            }
            var message = try Self.message(row)
            let body = try change(&message)
            try await tx.query(
                """
                UPDATE messages SET body = ?, mentions = ?, attachments = ?, reactions = ?, edited_at = ?, deleted_at = ?, data = ?
                WHERE chamber_id = :chamber AND id = ?
                """,
                [
                    .text(message.body), try .json(message.mentions), try .json(message.attachments), try .json(message.reactions),
                    .date(message.editedAt), .date(message.deletedAt), try message.data.map { try .json($0) } ?? .null, .id(message.id),
                ])
            let event = ChannelEvent(chamberID: message.chamberID, channelID: message.channelID, seq: seq, at: at, body: body)
            try await Self.insertEvent(tx, event, messageID: message.id)
            return event
        }
    }

    private struct NoChange: Error {}

    func react(messageID: MessageID, userID: UserID, emoji: String, add: Bool, at: Date) async throws -> ChannelEvent? {
        do {
            return try await modify(messageID, at: at) { message in
                guard message.deletedAt == nil else { throw ChamberError(.messageNotFound, "message \(messageID) was deleted") }
                var users = message.reactions[emoji] ?? []
                if add {
                    guard !users.contains(userID) else { throw NoChange() }
                    guard message.reactions.count < 50 || message.reactions[emoji] != nil else {
                        throw ChamberError(.validationFailed, "a message has at most 50 different reactions", field: "emoji")
                    }
                    users.append(userID)
                } else {
                    guard users.contains(userID) else { throw NoChange() }
                    users.removeAll { $0 == userID }
                }
                message.reactions[emoji] = users.isEmpty ? nil : users
                return .reaction(messageID: messageID, userID: userID, emoji: emoji, added: add)
            }
        } catch is NoChange {
            // Rolled back: the sequence number it took is given back.
            return nil
        }
    }

    func history(_ channelID: ChannelID, before: Int64?, after: Int64?, limit: Int) async throws -> [Message] {
        if let after {
            return try await sql.query(
                "SELECT \(Self.columns) FROM messages WHERE chamber_id = :chamber AND channel_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                [.id(channelID), .int(after), .int(Int64(limit))]
            ).map(Self.message)
        }
        let rows = try await sql.query(
            "SELECT \(Self.columns) FROM messages WHERE chamber_id = :chamber AND channel_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
            [.id(channelID), .int(before ?? Int64.max), .int(Int64(limit))])
        return try rows.map(Self.message).reversed()
    }

    func events(_ channelID: ChannelID, after: Int64, limit: Int) async throws -> [ChannelEvent] {
        let rows = try await sql.query(
            "SELECT chamber_id, channel_id, seq, created_at, payload FROM channel_events WHERE chamber_id = :chamber AND channel_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            [.id(channelID), .int(after), .int(Int64(limit))])
        return try rows.map { row in
            ChannelEvent(
                chamberID: try row.id("chamber_id"), channelID: try row.id("channel_id"), seq: try row.int("seq"), at: try row.date("created_at"),
                body: try row.json("payload", as: ChannelEvent.Body.self))
        }
    }

    func hold(_ message: Message, rule: String, reason: String) async throws -> ReviewItem? {
        let item = ReviewItem(
            chamberID: message.chamberID, kind: .held, channelID: message.channelID, messageID: message.id, authorID: message.senderID,
            body: message.body, rule: rule, reason: reason, createdAt: message.createdAt)
        do {
            try await sql.transaction { tx in
                try await tx.query(
                    "INSERT INTO held_messages (id, chamber_id, channel_id, sender_id, client_message_id, payload, rule, reason, created_at) VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        .id(message.id), .id(message.channelID), .id(message.senderID), .text(message.clientMessageID), try .json(message),
                        .text(rule), .text(reason), .date(message.createdAt),
                    ])
                try await SQLModerationStore.insert(tx, item, storingBody: false)
            }
            return item
        } catch StorageError.uniqueViolation {
            // Held already by an earlier try of the same send.
            return nil
        }
    }

    func findHeld(_ channelID: ChannelID, senderID: UserID, clientMessageID: String) async throws -> ReviewItem? {
        // Every send asks, and almost none was held: the plain indexed look-up first, the queue item only on a hit.
        guard
            let held = try await sql.query(
                "SELECT id FROM held_messages WHERE chamber_id = :chamber AND channel_id = ? AND sender_id = ? AND client_message_id = ?",
                [.id(channelID), .id(senderID), .text(clientMessageID)]
            ).first
        else { return nil }
        return try await sql.query(
            "\(SQLModerationStore.itemSelect) WHERE r.chamber_id = :chamber AND r.kind = 'held' AND r.message_id = ?",
            [.id(try held.id("id", as: MessageID.self))]
        ).first.map(SQLModerationStore.item)
    }

    func lastSent(_ channelID: ChannelID, senderID: UserID) async throws -> Date? {
        try await sql.query(
            "SELECT MAX(created_at) AS last FROM messages WHERE chamber_id = :chamber AND channel_id = ? AND sender_id = ?",
            [.id(channelID), .id(senderID)]
        ).first.flatMap { try $0.optionalDate("last") }
    }
}
