import ChamberDomain
import Foundation

/// Stores a batch of sends in one transaction, with a handful of statements per chamber however many sends it
/// carries: the channels locked in id order, one look-up of earlier sends under the same client message ids, one
/// update that raises each channel's sequence by its count, one insert of the messages and one of their events. On
/// SQLite every one of them is one text whatever the batch's size, kept prepared (the inserts run per row, in one
/// call): texts that grew with the batch were parsed afresh on the one writer every batch (LoadTests/RESULTS.md).
///
/// Guarantees, per batch:
/// - Each channel's new sequence numbers follow its `last_seq` with no gap, in the order the sends were queued, and
///   only sends that are inserted take one (duplicates and refusals are settled before the numbers are taken).
/// - A send whose `(channel, sender, client message id)` is stored already, by an earlier batch or by an earlier
///   send of this one, is answered with the stored message and stores nothing; one held for review under it is
///   answered `heldBefore` and stores nothing (unless it is the held message itself, approved and published).
/// - Either everything the batch stores commits, or nothing does and every send is answered with the error.
/// - Statements are chamber-scoped (``ChamberScopedSQL``): a batch spanning chambers runs them once per chamber.
enum MessageAppendBatch {
    /// Rows per multi-row insert: 15 values a message stays far below SQLite's 32,766 and PostgreSQL's 65,535
    /// bind parameters.
    static let maxRows = 256

    /// Stores `drafts` and answers each, in order.
    static func store(_ drafts: [Message], in database: any SQLDatabase) async -> [Result<AppendOutcome, any Error>] {
        do {
            return try await storeRetryingConflicts(drafts, in: database)
        } catch {
            return drafts.map { _ in .failure(error) }
        }
    }

    private static func storeRetryingConflicts(_ drafts: [Message], in database: any SQLDatabase) async throws -> [Result<AppendOutcome, any Error>] {
        // A transaction PostgreSQL chose to abort (a deadlock with another node's writer, a serialization failure)
        // stored nothing, so it is run again; seen after a PostgreSQL restart (LoadTests/faults/fault-run.sh).
        try await database.transaction(retryingConflicts: 3) { tx in
            var answers = [Result<AppendOutcome, any Error>?](repeating: nil, count: drafts.count)
            var chambers: [ChamberID] = []
            var byChamber: [ChamberID: [Int]] = [:]
            for (index, draft) in drafts.enumerated() {
                if byChamber[draft.chamberID] == nil { chambers.append(draft.chamberID) }
                byChamber[draft.chamberID, default: []].append(index)
            }
            // Chambers in one order for every writer too: each chamber's statements lock its channels, so two
            // batches spanning the same chambers in opposite orders would deadlock.
            for chamber in chambers.sorted(by: { $0.rawValue < $1.rawValue }) {
                let indices = byChamber[chamber] ?? []
                let scoped = ChamberScopedSQL(executor: tx, chamberID: chamber)
                let outcomes = try await store(indices.map { drafts[$0] }, in: scoped)
                for (index, outcome) in zip(indices, outcomes) { answers[index] = outcome }
            }
            return answers.map { $0 ?? .failure(StorageError.batchAnswerMissing) }
        }
    }

    /// One chamber's share of the batch, inside the transaction.
    private static func store(_ drafts: [Message], in sql: ChamberScopedSQL) async throws -> [Result<AppendOutcome, any Error>] {
        let channels = Array(Set(drafts.map(\.channelID))).sorted { $0.rawValue < $1.rawValue }
        if sql.executor.dialect == .postgres {
            // Rows locked in one order by every writer, so two nodes' batches over the same channels never deadlock;
            // SQLite's writer holds the whole database already (BEGIN IMMEDIATE). NO KEY UPDATE, the lock the update of
            // `last_seq` takes anyway: FOR UPDATE also blocks the key-share locks that every insert of a row naming a
            // channel takes, and a transaction inserting rows for two channels deadlocked with a batch locking both
            // (40P01 under load from three nodes, LoadTests/faults/fault-run.sh).
            try await sql.query(
                "SELECT id FROM channels WHERE chamber_id = :chamber AND id IN (\(placeholders(channels.count))) ORDER BY id FOR NO KEY UPDATE",
                channels.map { .id($0) })
        }
        let (stored, held) = try await earlierSends(drafts, in: sql)

        // Which sends are new, which repeat a stored send or an earlier one of this batch.
        enum Plan {
            case new
            case stored(Message)
            case held
            case repeats(Int)
        }
        var plans: [Plan] = []
        var firstOfKey: [SendKey: Int] = [:]
        var counts: [ChannelID: Int64] = [:]
        for (index, draft) in drafts.enumerated() {
            let key = SendKey(draft)
            if let message = stored[key] {
                plans.append(.stored(message))
            } else if let heldID = held[key], heldID != draft.id {
                plans.append(.held)
            } else if let earlier = firstOfKey[key] {
                plans.append(.repeats(earlier))
            } else {
                firstOfKey[key] = index
                counts[draft.channelID, default: 0] += 1
                plans.append(.new)
            }
        }

        let lastSeqs = try await raiseSequences(counts, in: sql)
        var nextSeq: [ChannelID: Int64] = [:]
        for (channel, last) in lastSeqs { nextSeq[channel] = last - (counts[channel] ?? 0) + 1 }

        var answers: [Result<AppendOutcome, any Error>] = []
        var inserted: [Message] = []
        for (draft, plan) in zip(drafts, plans) {
            switch plan {
            case .stored(let message):
                answers.append(.success(.duplicate(message)))
            case .held:
                answers.append(.success(.heldBefore))
            case .repeats(let earlier):
                answers.append(answers[earlier].map(\.asRepeat))
            case .new:
                guard let seq = nextSeq[draft.channelID] else {
                    answers.append(.failure(ChamberError(.channelNotFound, "no channel \(draft.channelID)")))
                    continue
                }
                nextSeq[draft.channelID] = seq + 1
                let message = Message(
                    id: draft.id, chamberID: draft.chamberID, channelID: draft.channelID, seq: seq, senderID: draft.senderID,
                    clientMessageID: draft.clientMessageID, body: draft.body, replyTo: draft.replyTo, mentions: draft.mentions,
                    attachments: draft.attachments, data: draft.data, reactions: [:], createdAt: draft.createdAt, urgent: draft.urgent)
                inserted.append(message)
                answers.append(
                    .success(
                        .appended(
                            ChannelEvent(
                                chamberID: message.chamberID, channelID: message.channelID, seq: seq, at: message.createdAt,
                                body: .message(message)))))
            }
        }
        try await insert(inserted, in: sql)
        return answers
    }

    /// What identifies a send for retries (the unique index `messages_client_id`).
    private struct SendKey: Hashable {
        let channel: ChannelID
        let sender: UserID
        let clientMessageID: String

        init(_ message: Message) {
            self.init(channel: message.channelID, sender: message.senderID, clientMessageID: message.clientMessageID)
        }

        init(channel: ChannelID, sender: UserID, clientMessageID: String) {
            self.channel = channel
            self.sender = sender
            self.clientMessageID = clientMessageID
        }
    }

    /// The stored messages under the batch's client message ids, and the held messages under them (by id: approving
    /// one publishes it under its own id). One indexed look-up per key and table, in one statement per table.
    private static func earlierSends(
        _ drafts: [Message], in sql: ChamberScopedSQL
    ) async throws -> (stored: [SendKey: Message], held: [SendKey: MessageID]) {
        let keys = Array(Set(drafts.map(SendKey.init)))
        var stored: [SendKey: Message] = [:]
        var held: [SendKey: MessageID] = [:]
        for chunk in keys.chunked(maxRows) {
            let (terms, binds) = try keyTerms(chunk, dialect: sql.executor.dialect)
            for row in try await sql.query("SELECT \(SQLMessageStore.columns) FROM messages WHERE chamber_id = :chamber AND \(terms)", binds) {
                let message = try SQLMessageStore.message(row)
                stored[SendKey(message)] = message
            }
            let heldRows = try await sql.query(
                "SELECT id, channel_id, sender_id, client_message_id FROM held_messages WHERE chamber_id = :chamber AND \(terms)", binds)
            for row in heldRows {
                let key = SendKey(
                    channel: try row.id("channel_id"), sender: try row.id("sender_id"), clientMessageID: try row.string("client_message_id"))
                held[key] = try row.id("id")
            }
        }
        return (stored, held)
    }

    /// The condition matching rows under `keys` (an index look-up per key), and its binds. On SQLite the keys go as
    /// one JSON array, so the statement's text is the same for any number of keys and stays prepared. PostgreSQL
    /// keeps each text prepared per connection by itself.
    private static func keyTerms(_ keys: ArraySlice<SendKey>, dialect: SQLDialect) throws -> (String, [SQLValue]) {
        switch dialect {
        case .sqlite:
            let terms = """
                (channel_id, sender_id, client_message_id) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), \
                json_extract(value, '$[2]') FROM json_each(?))
                """
            return (terms, [try .json(keys.map { [$0.channel.rawValue, $0.sender.rawValue, $0.clientMessageID] })])
        case .postgres:
            let terms = Array(repeating: "(channel_id = ? AND sender_id = ? AND client_message_id = ?)", count: keys.count).joined(separator: " OR ")
            return ("(\(terms))", keys.flatMap { [.id($0.channel), .id($0.sender), .text($0.clientMessageID)] })
        }
    }

    /// Raises each channel's `last_seq` by its count in one statement; returns the new `last_seq` of each channel
    /// that exists (a missing channel is absent).
    private static func raiseSequences(_ counts: [ChannelID: Int64], in sql: ChamberScopedSQL) async throws -> [ChannelID: Int64] {
        guard !counts.isEmpty else { return [:] }
        // On SQLite the counts go as one JSON array of [id, n] (one text for any number of channels, kept prepared).
        // There the chamber is compared as an expression (`|| ''`), or the planner walks the chamber's channels through
        // its index and the JSON for each: every channel of a big chamber for every batch.
        let (counted, chamber, binds): (String, String, [SQLValue]) =
            switch sql.executor.dialect {
            case .sqlite:
                (
                    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)", "channels.chamber_id || ''",
                    [try .json(counts.map { JSONValue.array([.string($0.key.rawValue), .int($0.value)]) })]
                )
            case .postgres:
                (
                    "VALUES \(Array(repeating: "(?, ?)", count: counts.count).joined(separator: ", "))", "channels.chamber_id",
                    counts.flatMap { [.id($0.key), .int($0.value)] }
                )
            }
        let rows = try await sql.query(
            """
            WITH counted(id, n) AS (\(counted))
            UPDATE channels SET last_seq = last_seq + counted.n FROM counted
            WHERE \(chamber) = :chamber AND channels.id = counted.id
            RETURNING channels.id AS id, channels.last_seq AS last_seq
            """,
            binds)
        var last: [ChannelID: Int64] = [:]
        for row in rows { last[try row.id("id")] = try row.int("last_seq") }
        return last
    }

    private static func insert(_ messages: [Message], in sql: ChamberScopedSQL) async throws {
        if sql.executor.dialect == .sqlite {
            // One row per run of one statement kept prepared: no round trip to save in-process, and no parsing.
            try await sql.queryEach(
                "INSERT INTO messages (\(SQLMessageStore.columns)) VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                try messages.map(messageValues))
            try await sql.queryEach(
                "INSERT INTO channel_events (chamber_id, channel_id, seq, kind, message_id, payload, created_at) VALUES (:chamber, ?, ?, ?, ?, ?, ?)",
                try messages.map(eventValues))
            return
        }
        for chunk in messages.chunked(maxRows) {
            try await sql.query(
                "INSERT INTO messages (\(SQLMessageStore.columns)) VALUES "
                    + Array(repeating: "(?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", "),
                try chunk.flatMap(messageValues))
            try await sql.query(
                "INSERT INTO channel_events (chamber_id, channel_id, seq, kind, message_id, payload, created_at) VALUES "
                    + Array(repeating: "(:chamber, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", "),
                try chunk.flatMap(eventValues))
        }
    }

    /// A message's row of `messages`, after the chamber.
    private static func messageValues(_ message: Message) throws -> [SQLValue] {
        [
            .id(message.id), .id(message.channelID), .int(message.seq), .id(message.senderID), .text(message.clientMessageID),
            .text(message.body), .id(message.replyTo), try .json(message.mentions), try .json(message.attachments),
            try .json(message.reactions), .date(message.createdAt), .null, .null, try message.data.map { try .json($0) } ?? .null,
            .int(message.urgent ? 1 : 0),
        ]
    }

    /// A message's row of `channel_events`, after the chamber.
    private static func eventValues(_ message: Message) throws -> [SQLValue] {
        let event = ChannelEvent(
            chamberID: message.chamberID, channelID: message.channelID, seq: message.seq, at: message.createdAt, body: .message(message))
        return [.id(event.channelID), .int(event.seq), .text(event.kind), .id(message.id), try .json(event.body), .date(event.at)]
    }
}

extension AppendOutcome {
    /// The answer to a second send of the same client message id in one batch: the first one's message.
    fileprivate var asRepeat: AppendOutcome {
        guard case .appended(let event) = self, case .message(let message) = event.body else { return self }
        return .duplicate(message)
    }
}

extension Message {
    /// About what the message adds to a batch's statements: the text itself, and a generous allowance for its
    /// attachments and data (encoded later), so a batch's byte bound is never underestimated by much.
    var approximateBytes: Int {
        256 + body.utf8.count + clientMessageID.utf8.count + attachments.count * 512 + (data == nil ? 0 : 4096)
    }
}
