import ChamberDomain
import Foundation

struct SQLChannelStore: ChannelStore {
    let sql: ChamberScopedSQL

    static let columnNames = [
        "id", "chamber_id", "kind", "name", "topic", "event_id", "created_by", "created_at", "archived_at", "last_seq", "locked_at",
        "slow_mode_seconds",
    ]
    static let columns = columnNames.joined(separator: ", ")

    /// ``columns`` of the table aliased `c` (built once: the send path reads them on every send).
    static let qualifiedColumns = columns.split(separator: ",").map { "c.\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")

    static func channel(_ row: SQLRow) throws -> Channel {
        guard let kind = Channel.Kind(rawValue: try row.string("kind")) else { throw StorageError.typeMismatch("kind", "a channel kind") }
        return Channel(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), kind: kind, name: try row.optionalString("name"),
            topic: try row.optionalString("topic"), eventID: try row.optionalString("event_id"), createdBy: try row.id("created_by"),
            createdAt: try row.date("created_at"), archivedAt: try row.optionalDate("archived_at"), lastSeq: try row.int("last_seq"),
            lockedAt: try row.optionalDate("locked_at"), slowModeSeconds: Int(try row.int("slow_mode_seconds")))
    }

    static func member(_ row: SQLRow) throws -> ChannelMember {
        ChannelMember(
            channelID: try row.id("channel_id"), userID: try row.id("user_id"),
            role: ChannelMember.Role(rawValue: try row.string("role")) ?? .member, joinedAt: try row.date("joined_at"),
            lastReadSeq: try row.int("last_read_seq"))
    }

    func create(_ channel: Channel, members: [ChannelMember], directKey: String?) async throws {
        do {
            try await sql.transaction { tx in
                try await tx.query(
                    "INSERT INTO channels (id, chamber_id, kind, name, topic, event_id, direct_key, created_by, created_at, archived_at, last_seq) VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        .id(channel.id), .text(channel.kind.rawValue), .text(channel.name), .text(channel.topic), .text(channel.eventID),
                        .text(directKey), .id(channel.createdBy), .date(channel.createdAt), .date(channel.archivedAt), .int(channel.lastSeq),
                    ])
                for member in members { try await Self.insertMember(tx, member) }
            }
        } catch StorageError.uniqueViolation {
            throw ChamberError(.conflict, "this direct channel exists already")
        }
    }

    private static func insertMember(_ tx: ChamberScopedSQL, _ member: ChannelMember) async throws {
        try await tx.query(
            "INSERT INTO channel_members (chamber_id, channel_id, user_id, role, joined_at, last_read_seq) VALUES (:chamber, ?, ?, ?, ?, ?)",
            [.id(member.channelID), .id(member.userID), .text(member.role.rawValue), .date(member.joinedAt), .int(member.lastReadSeq)])
    }

    func find(id: ChannelID) async throws -> Channel? {
        try await sql.query("SELECT \(Self.columns) FROM channels WHERE chamber_id = :chamber AND id = ?", [.id(id)]).first.map(Self.channel)
    }

    func findDirect(key: String) async throws -> Channel? {
        try await sql.query("SELECT \(Self.columns) FROM channels WHERE chamber_id = :chamber AND direct_key = ?", [.text(key)]).first.map(
            Self.channel)
    }

    func update(_ channel: Channel) async throws {
        try await sql.query(
            "UPDATE channels SET name = ?, topic = ?, archived_at = ?, locked_at = ?, slow_mode_seconds = ? WHERE chamber_id = :chamber AND id = ?",
            [
                .text(channel.name), .text(channel.topic), .date(channel.archivedAt), .date(channel.lockedAt), .int(Int64(channel.slowModeSeconds)),
                .id(channel.id),
            ])
    }

    func member(_ channelID: ChannelID, userID: UserID) async throws -> ChannelMember? {
        try await sql.query(
            "SELECT channel_id, user_id, role, joined_at, last_read_seq FROM channel_members WHERE chamber_id = :chamber AND channel_id = ? AND user_id = ?",
            [.id(channelID), .id(userID)]
        ).first.map(Self.member)
    }

    /// A page of one channel's members in the order they joined (migration 28's index serves it).
    static let membersInJoinOrder =
        "SELECT channel_id, user_id, role, joined_at, last_read_seq FROM channel_members WHERE chamber_id = :chamber AND channel_id = ? ORDER BY joined_at, user_id LIMIT ? OFFSET ?"

    func members(_ channelID: ChannelID, page: PageRequest) async throws -> Page<ChannelMember> {
        let rows = try await sql.query(Self.membersInJoinOrder, [.id(channelID)] + page.sqlBinds)
        return Page(fetched: try rows.map(Self.member), request: page)
    }

    /// Every member of many channels (the fan-out's DMs), each channel's in the order they joined. The chamber is compared as an expression so that SQLite
    /// reads each channel by its key, not every membership of the chamber.
    static func membersOfEach(_ count: Int) -> String {
        """
        SELECT channel_id, user_id, role, joined_at, last_read_seq FROM channel_members
        WHERE channel_id IN (\(placeholders(count))) AND chamber_id || '' = :chamber ORDER BY channel_id, joined_at, user_id
        """
    }

    func members(ofEach channelIDs: [ChannelID]) async throws -> [ChannelID: [ChannelMember]] {
        var members: [ChannelID: [ChannelMember]] = [:]
        for chunk in channelIDs.chunked(500) {
            for row in try await sql.query(Self.membersOfEach(chunk.count), chunk.map { .id($0) }) {
                let member = try Self.member(row)
                members[member.channelID, default: []].append(member)
            }
        }
        return members
    }

    func addMember(_ member: ChannelMember) async throws {
        do {
            try await Self.insertMember(sql, member)
        } catch StorageError.uniqueViolation {
            return
        }
    }

    func setRole(_ role: ChannelMember.Role, of userID: UserID, in channelID: ChannelID) async throws -> Bool {
        !(try await sql.query(
            "UPDATE channel_members SET role = ? WHERE chamber_id = :chamber AND channel_id = ? AND user_id = ? RETURNING user_id",
            [.text(role.rawValue), .id(channelID), .id(userID)]
        ).isEmpty)
    }

    func owners(of channelID: ChannelID) async throws -> [UserID] {
        try await sql.query(
            "SELECT user_id FROM channel_members WHERE chamber_id = :chamber AND channel_id = ? AND role = 'owner'", [.id(channelID)]
        ).map { try $0.id("user_id") }
    }

    func removeMember(_ channelID: ChannelID, userID: UserID) async throws -> Bool {
        !(try await sql.query(
            "DELETE FROM channel_members WHERE chamber_id = :chamber AND channel_id = ? AND user_id = ? RETURNING user_id",
            [.id(channelID), .id(userID)]
        ).isEmpty)
    }

    /// The member's channels from their memberships, then the announcement channels they are not a member of: one
    /// index read each, where starting from the chamber's channels read every channel of the chamber. Binds the user twice.
    static let summariesOfMember: String = {
        let channel = columnList(columnNames, of: "c")
        let activity =
            "COALESCE((SELECT e.created_at FROM channel_events e WHERE e.channel_id = c.id ORDER BY e.seq DESC LIMIT 1), c.created_at) AS activity"
        return """
            SELECT \(channel), m.role AS m_role, m.joined_at AS m_joined_at, m.last_read_seq AS m_last_read_seq, \(activity)
            FROM channel_members m JOIN channels c ON c.id = m.channel_id
            WHERE m.chamber_id = :chamber AND m.user_id = ? AND c.chamber_id = :chamber
            UNION ALL
            SELECT \(channel), NULL, NULL, NULL, \(activity)
            FROM channels c
            WHERE c.chamber_id = :chamber AND c.kind = 'announcement'
                AND NOT EXISTS (SELECT 1 FROM channel_members m WHERE m.channel_id = c.id AND m.user_id = ?)
            ORDER BY activity DESC, id
            LIMIT 500
            """
    }()

    func summaries(for userID: UserID) async throws -> [ChannelSummary] {
        let rows = try await sql.query(Self.summariesOfMember, [.id(userID), .id(userID)])
        var result: [ChannelSummary] = []
        for row in rows {
            let channel = try Self.channel(row)
            let membership = try row.optionalString("m_role").map { role in
                ChannelMember(
                    channelID: channel.id, userID: userID, role: ChannelMember.Role(rawValue: role) ?? .member,
                    joinedAt: try row.date("m_joined_at"), lastReadSeq: try row.int("m_last_read_seq"))
            }
            let lastMessage = try await sql.query(
                "SELECT \(SQLMessageStore.columns) FROM messages WHERE chamber_id = :chamber AND channel_id = ? ORDER BY seq DESC LIMIT 1",
                [.id(channel.id)]
            ).first.map(SQLMessageStore.message)
            var peer: UserID?
            if channel.kind == .direct {
                peer = try await sql.query(
                    "SELECT user_id FROM channel_members WHERE chamber_id = :chamber AND channel_id = ? AND user_id <> ?",
                    [.id(channel.id), .id(userID)]
                ).first.map { try $0.id("user_id") }
            }
            result.append(
                ChannelSummary(
                    channel: channel, membership: membership,
                    unreadCount: try await unread(channel.id, userID: userID, after: membership?.lastReadSeq ?? 0),
                    lastMessage: lastMessage, peerID: peer))
        }
        return result
    }

    func markRead(_ channelID: ChannelID, userID: UserID, seq: Int64, at: Date, asReader: Bool) async throws -> Int64 {
        if asReader {
            // Announcement readers get a row the first time they read, to remember their position; one statement,
            // so two devices reading at once cannot both insert.
            try await sql.query(
                """
                INSERT INTO channel_members (chamber_id, channel_id, user_id, role, joined_at, last_read_seq) VALUES (:chamber, ?, ?, 'reader', ?, ?)
                ON CONFLICT (channel_id, user_id) DO UPDATE SET last_read_seq = CASE WHEN excluded.last_read_seq > channel_members.last_read_seq
                    THEN excluded.last_read_seq ELSE channel_members.last_read_seq END
                """, [.id(channelID), .id(userID), .date(at), .int(seq)])
        } else {
            try await sql.query(
                "UPDATE channel_members SET last_read_seq = ? WHERE chamber_id = :chamber AND channel_id = ? AND user_id = ? AND last_read_seq < ?",
                [.int(seq), .id(channelID), .id(userID), .int(seq)])
        }
        return try await member(channelID, userID: userID)?.lastReadSeq ?? 0
    }

    func sendContext(_ channelID: ChannelID, senderID: UserID, clientMessageID: String, at: Date) async throws -> SendContext? {
        // One statement instead of five: the common send (a member, no retry, no sanction) needs nothing more.
        let row = try await sql.query(
            """
            SELECT \(Self.qualifiedColumns),
                m.role AS member_role, m.joined_at AS member_joined_at, m.last_read_seq AS member_last_read_seq,
                EXISTS (SELECT 1 FROM messages WHERE chamber_id = :chamber AND channel_id = c.id AND sender_id = ? AND client_message_id = ?) AS sent_before,
                EXISTS (SELECT 1 FROM held_messages WHERE chamber_id = :chamber AND channel_id = c.id AND sender_id = ? AND client_message_id = ?) AS held_before,
                EXISTS (SELECT 1 FROM sanctions WHERE chamber_id = :chamber AND user_id = ? AND \(SQLModerationStore.inForce)) AS sanctioned
            FROM channels c
            LEFT JOIN channel_members m ON m.chamber_id = c.chamber_id AND m.channel_id = c.id AND m.user_id = ?
            WHERE c.chamber_id = :chamber AND c.id = ?
            """,
            [
                .id(senderID), .text(clientMessageID), .id(senderID), .text(clientMessageID), .id(senderID), .date(at), .id(senderID),
                .id(channelID),
            ]
        ).first
        guard let row else { return nil }
        let member = try row.optionalString("member_role").map { role in
            ChannelMember(
                channelID: channelID, userID: senderID, role: ChannelMember.Role(rawValue: role) ?? .member,
                joinedAt: try row.date("member_joined_at"), lastReadSeq: try row.int("member_last_read_seq"))
        }
        return SendContext(
            channel: try Self.channel(row), member: member, sentBefore: try row.bool("sent_before"), heldBefore: try row.bool("held_before"),
            sanctioned: try row.bool("sanctioned"))
    }

    func findSent(_ channelID: ChannelID, senderID: UserID, clientMessageID: String) async throws -> Message? {
        try await SQLMessageStore.sent(sql, channelID, senderID: senderID, clientMessageID: clientMessageID)
    }

    func unreadCount(_ channelID: ChannelID, userID: UserID) async throws -> Int {
        let position = try await member(channelID, userID: userID)?.lastReadSeq ?? 0
        return try await unread(channelID, userID: userID, after: position)
    }

    private func unread(_ channelID: ChannelID, userID: UserID, after: Int64) async throws -> Int {
        Int(
            try await sql.query(
                "SELECT COUNT(*) AS n FROM messages WHERE chamber_id = :chamber AND channel_id = ? AND seq > ? AND deleted_at IS NULL AND sender_id <> ?",
                [.id(channelID), .int(after), .id(userID)]
            ).first?.int("n") ?? 0)
    }
}
