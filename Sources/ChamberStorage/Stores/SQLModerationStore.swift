import ChamberDomain
import Foundation

/// Sanctions, reports and the review queue of one chamber.
struct SQLModerationStore: ModerationStore {
    let sql: ChamberScopedSQL

    // MARK: Sanctions

    static let sanctionColumnNames = [
        "id", "chamber_id", "user_id", "kind", "channel_id", "reason", "created_by", "created_at", "expires_at", "lifted_at", "lifted_by",
    ]
    static let sanctionColumns = sanctionColumnNames.joined(separator: ", ")

    static func sanction(_ row: SQLRow) throws -> Sanction { try sanction(row, prefix: "") }

    static func sanction(_ row: SQLRow, prefix: String) throws -> Sanction {
        let kindColumn = prefix + "kind"
        guard let kind = Sanction.Kind(rawValue: try row.string(kindColumn)) else { throw StorageError.typeMismatch(kindColumn, "a sanction kind") }
        return Sanction(
            id: try row.id(prefix + "id"), chamberID: try row.id(prefix + "chamber_id"), userID: try row.id(prefix + "user_id"), kind: kind,
            channelID: try row.optionalID(prefix + "channel_id"), reason: try row.optionalString(prefix + "reason"),
            createdBy: try row.id(prefix + "created_by"), createdAt: try row.date(prefix + "created_at"),
            expiresAt: try row.optionalDate(prefix + "expires_at"), liftedAt: try row.optionalDate(prefix + "lifted_at"),
            liftedBy: try row.optionalID(prefix + "lifted_by"))
    }

    /// Sanctions in force at the bound date (the last bind).
    static let inForce = "lifted_at IS NULL AND (expires_at IS NULL OR expires_at > ?)"

    func addSanction(_ sanction: Sanction) async throws {
        try await sql.query(
            "INSERT INTO sanctions (\(Self.sanctionColumns)) VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                .id(sanction.id), .id(sanction.userID), .text(sanction.kind.rawValue), .id(sanction.channelID), .text(sanction.reason),
                .id(sanction.createdBy), .date(sanction.createdAt), .date(sanction.expiresAt), .date(sanction.liftedAt), .id(sanction.liftedBy),
            ])
    }

    func activeSanctions(userID: UserID, at date: Date) async throws -> [Sanction] {
        try await sql.query(
            "SELECT \(Self.sanctionColumns) FROM sanctions WHERE chamber_id = :chamber AND user_id = ? AND \(Self.inForce) ORDER BY created_at DESC",
            [.id(userID), .date(date)]
        ).map(Self.sanction)
    }

    func activeSanctions(at date: Date, page: PageRequest) async throws -> Page<Sanction> {
        let rows = try await sql.query(
            "SELECT \(Self.sanctionColumns) FROM sanctions WHERE chamber_id = :chamber AND \(Self.inForce) ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
            [.date(date)] + page.sqlBinds)
        return Page(fetched: try rows.map(Self.sanction), request: page)
    }

    func liftSanctions(userID: UserID, kind: Sanction.Kind, channelID: ChannelID?, at date: Date, by: UserID) async throws -> [Sanction] {
        let channelFilter = channelID == nil ? "channel_id IS NULL" : "channel_id = ?"
        let rows = try await sql.query(
            """
            UPDATE sanctions SET lifted_at = ?, lifted_by = ?
            WHERE chamber_id = :chamber AND user_id = ? AND kind = ? AND \(channelFilter) AND \(Self.inForce)
            RETURNING \(Self.sanctionColumns)
            """, [.date(date), .id(by), .id(userID), .text(kind.rawValue)] + (channelID.map { [.id($0)] } ?? []) + [.date(date)])
        return try rows.map(Self.sanction)
    }

    // MARK: Review queue

    /// Items with the text and files of held messages from `held_messages` (a report item keeps its own copy of the
    /// text; its files are the message's as it stands).
    static let itemSelect = """
        SELECT r.id, r.chamber_id, r.kind, r.channel_id, r.message_id, r.author_id, r.body, r.rule, r.reason, r.reports, r.state, r.created_at,
               r.decided_by, r.decided_at, r.decision_note, h.payload, m.attachments AS message_attachments
        FROM review_items r LEFT JOIN held_messages h ON h.id = r.message_id AND h.chamber_id = r.chamber_id
        LEFT JOIN messages m ON r.kind = 'report' AND m.id = r.message_id AND m.chamber_id = r.chamber_id
        """

    static func item(_ row: SQLRow) throws -> ReviewItem {
        guard let kind = ReviewItem.Kind(rawValue: try row.string("kind")), let state = ReviewItem.State(rawValue: try row.string("state")) else {
            throw StorageError.typeMismatch("kind", "a review item kind and state")
        }
        let held = try row.optionalJSON("payload", as: Message.self)
        let body = try row.optionalString("body") ?? held?.body ?? ""
        let attachments = try held?.attachments ?? row.optionalJSON("message_attachments", as: [Attachment].self) ?? []
        return ReviewItem(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), kind: kind, channelID: try row.id("channel_id"),
            messageID: try row.id("message_id"),
            authorID: try row.id("author_id"), body: body, attachments: attachments, rule: try row.optionalString("rule"),
            reason: try row.string("reason"),
            reports: Int(try row.int("reports")), state: state, createdAt: try row.date("created_at"), decidedBy: try row.optionalID("decided_by"),
            decidedAt: try row.optionalDate("decided_at"), decisionNote: try row.optionalString("decision_note"))
    }

    static func insert(_ tx: ChamberScopedSQL, _ item: ReviewItem, storingBody: Bool) async throws {
        try await tx.query(
            """
            INSERT INTO review_items (id, chamber_id, kind, channel_id, message_id, author_id, body, rule, reason, reports, state, created_at)
            VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .id(item.id), .text(item.kind.rawValue), .id(item.channelID), .id(item.messageID), .id(item.authorID),
                storingBody ? .text(item.body) : .null,
                .text(item.rule), .text(item.reason), .int(Int64(item.reports)), .text(item.state.rawValue), .date(item.createdAt),
            ])
    }

    func pendingItemNames(_ file: FileID, channelID: ChannelID) async throws -> Bool {
        // The attachment's url in the JSON, not a body that mentions the path (its quotes would be escaped).
        let pattern = SQLValue.text("%\"url\":\"/v1/chambers/%/files/\(file.rawValue)\"%")
        return try await sql.query(
            """
            SELECT 1 FROM review_items r LEFT JOIN held_messages h ON h.id = r.message_id AND h.chamber_id = r.chamber_id
            LEFT JOIN messages m ON r.kind = 'report' AND m.id = r.message_id AND m.chamber_id = r.chamber_id
            WHERE r.chamber_id = :chamber AND r.channel_id = ? AND r.state = 'pending' AND (h.payload LIKE ? OR m.attachments LIKE ?)
            LIMIT 1
            """, [.id(channelID), pattern, pattern]
        ).isEmpty == false
    }

    func report(_ message: Message, reporterID: UserID, reason: String, at date: Date) async throws -> ReviewItem {
        do {
            return try await sql.transaction { tx in
                let open = try await tx.query(
                    "SELECT id FROM review_items WHERE chamber_id = :chamber AND message_id = ? AND kind = 'report' AND state = 'pending'",
                    [.id(message.id)]
                ).first
                let itemID: ReviewItemID
                if let open {
                    itemID = try open.id("id")
                    try await tx.query(
                        "UPDATE review_items SET reports = reports + 1, reason = ? WHERE chamber_id = :chamber AND id = ?",
                        [.text(reason), .id(itemID)])
                } else {
                    itemID = .generate()
                    try await Self.insert(
                        tx,
                        ReviewItem(
                            id: itemID, chamberID: message.chamberID, kind: .report, channelID: message.channelID, messageID: message.id,
                            authorID: message.senderID, body: message.body, rule: nil, reason: reason, reports: 1, createdAt: date),
                        storingBody: true)
                }
                try await tx.query(
                    "INSERT INTO message_reports (chamber_id, message_id, reporter_id, item_id, reason, created_at) VALUES (:chamber, ?, ?, ?, ?, ?)",
                    [.id(message.id), .id(reporterID), .id(itemID), .text(reason), .date(date)])
                guard
                    let item = try await tx.query("\(Self.itemSelect) WHERE r.chamber_id = :chamber AND r.id = ?", [.id(itemID)]).first.map(Self.item)
                else {
                    throw ChamberError(.reviewItemNotFound, "review item \(itemID) vanished")
                }
                return item
            }
        } catch StorageError.uniqueViolation {
            throw ChamberError(.alreadyReported, "you reported this message already", field: "message_id")
        }
    }

    func item(id: ReviewItemID) async throws -> ReviewItem? {
        try await sql.query("\(Self.itemSelect) WHERE r.chamber_id = :chamber AND r.id = ?", [.id(id)]).first.map(Self.item)
    }

    func queue(state: ReviewItem.State?, page: PageRequest) async throws -> Page<ReviewItem> {
        let rows = try await sql.query(
            "\(Self.itemSelect) WHERE r.chamber_id = :chamber\(state == nil ? "" : " AND r.state = ?") ORDER BY r.created_at, r.id LIMIT ? OFFSET ?",
            (state.map { [.text($0.rawValue)] } ?? []) + page.sqlBinds)
        return Page(fetched: try rows.map(Self.item), request: page)
    }

    func decide(_ id: ReviewItemID, state: ReviewItem.State, by: UserID, at date: Date, note: String?) async throws -> ReviewItem {
        let changed = try await sql.query(
            """
            UPDATE review_items SET state = ?, decided_by = ?, decided_at = ?, decision_note = ?
            WHERE chamber_id = :chamber AND id = ? AND state = 'pending' RETURNING id
            """, [.text(state.rawValue), .id(by), .date(date), .text(note), .id(id)])
        guard let item = try await item(id: id) else { throw ChamberError(.reviewItemNotFound, "no review item \(id)") }
        guard !changed.isEmpty else { throw ChamberError(.alreadyDecided, "review item \(id) was \(item.state.rawValue) already") }
        return item
    }

    func reopen(_ id: ReviewItemID, decidedBy by: UserID, at date: Date) async throws {
        try await sql.query(
            """
            UPDATE review_items SET state = 'pending', decided_by = NULL, decided_at = NULL, decision_note = NULL
            WHERE chamber_id = :chamber AND id = ? AND state <> 'pending' AND decided_by = ? AND decided_at = ?
            """, [.id(id), .id(by), .date(date)])
    }

    func heldMessage(itemID: ReviewItemID) async throws -> Message? {
        try await sql.query(
            """
            SELECT payload FROM held_messages
            WHERE chamber_id = :chamber AND id = (SELECT message_id FROM review_items WHERE chamber_id = :chamber AND id = ? AND kind = 'held')
            """, [.id(itemID)]
        ).first.map { try $0.json("payload", as: Message.self) }
    }
}

extension SQLModerationStore {
    func settings() async throws -> ModerationSettings? {
        try await sql.query("SELECT settings FROM chamber_moderation WHERE chamber_id = :chamber", []).first
            .map { try $0.json("settings", as: ModerationSettings.self) }
    }

    func saveSettings(_ settings: ModerationSettings, by: UserID, at date: Date) async throws {
        try await sql.query(
            """
            INSERT INTO chamber_moderation (chamber_id, settings, updated_by, updated_at) VALUES (:chamber, ?, ?, ?)
            ON CONFLICT (chamber_id) DO UPDATE SET settings = excluded.settings, updated_by = excluded.updated_by, updated_at = excluded.updated_at
            """, [try .json(settings), .id(by), .date(date)])
    }
}
