import ChamberDomain
import Foundation

/// Load-test provisioning in bulk: multi-row inserts of a few hundred rows each, all in one transaction, so
/// 18,000 accounts take seconds instead of the minutes one insert (and one bcrypt hash) per account would.
public struct SQLLoadTestStore: LoadTestStore {
    let db: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.db = database
    }

    /// Rows per multi-row insert: well under SQLite's and PostgreSQL's limits on bound parameters.
    static let rowsPerInsert = 400

    public func provision(_ plan: LoadTestPlan) async throws -> LoadTestProvision {
        try await db.transaction { tx in
            let emailPattern = "%@" + plan.emailDomain
            let existing = try await tx.query("SELECT id FROM chambers WHERE slug = ?", [.text(plan.chamber.slug)]).first
            let chamberID: ChamberID = try existing?.id("id") ?? plan.chamber.id
            let scope = ChamberScopedSQL(executor: tx, chamberID: chamberID)
            if existing != nil {
                let ours = try await scope.query(
                    """
                    SELECT 1 AS ok FROM memberships m JOIN users u ON u.id = m.user_id
                    WHERE m.chamber_id = :chamber AND u.email LIKE ? LIMIT 1
                    """, [.text(emailPattern)])
                guard !ours.isEmpty else {
                    throw ChamberError(.slugTaken, "chamber '\(plan.chamber.slug)' exists and is not a load-test chamber", field: "slug")
                }
            } else {
                let chamber = plan.chamber
                try await tx.query(
                    "INSERT INTO chambers (\(SQLChamberStore.columns)) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        .id(chamber.id), .text(chamber.name), .text(chamber.slug), try .json(chamber.settings), try .json(chamber.branding),
                        .date(chamber.createdAt),
                    ])
            }

            for chunk in plan.accounts.chunks(of: Self.rowsPerInsert) {
                try await tx.query(
                    "INSERT INTO users (id, email, display_name, password_hash, is_platform_admin, created_at, search_name, search_version) VALUES "
                        + Self.rows(chunk.count, "(?, ?, ?, ?, FALSE, ?, ?, ?)") + " ON CONFLICT (email) DO NOTHING",
                    chunk.flatMap {
                        [
                            .id($0.id), .text($0.email), .text($0.displayName), .text(plan.passwordHash), .date($0.createdAt),
                            .text(SearchWords.text($0.displayName)), .int(Int64(SearchWords.version)),
                        ]
                    })
            }
            var stored: [String: User] = [:]
            for row in try await tx.query("SELECT \(SQLUserStore.columns) FROM users WHERE email LIKE ?", [.text(emailPattern)]) {
                let user = try SQLUserStore.user(row)
                stored[user.email] = user
            }
            let accounts = try plan.accounts.enumerated().map { index, planned -> (User, Role) in
                guard let user = stored[planned.email] else { throw StorageError.missingColumn("users.\(planned.email)") }
                return (user, index < plan.adminCount ? .admin : .member)
            }

            for chunk in accounts.chunks(of: Self.rowsPerInsert) {
                try await scope.query(
                    "INSERT INTO memberships (chamber_id, user_id, role, joined_at) VALUES "
                        + Self.rows(chunk.count, "(:chamber, ?, ?, ?)") + " ON CONFLICT (chamber_id, user_id) DO UPDATE SET role = excluded.role",
                    chunk.flatMap { [.id($0.0.id), .text($0.1.rawValue), .date(plan.at)] })
            }

            let founder = accounts.first?.0.id ?? plan.room.createdBy
            let roomID = try await Self.channel(
                scope, "kind = 'event' AND event_id = ?", .text(plan.room.eventID), creating: plan.room, founder: founder)
            let announcementsID = try await Self.channel(
                scope, "kind = 'announcement' AND name = ?", .text(plan.announcements.name),
                creating: plan.announcements, founder: founder)
            for chunk in accounts.chunks(of: Self.rowsPerInsert) {
                try await scope.query(
                    "INSERT INTO channel_members (chamber_id, channel_id, user_id, role, joined_at, last_read_seq) VALUES "
                        + Self.rows(chunk.count, "(:chamber, ?, ?, 'member', ?, 0)") + " ON CONFLICT (channel_id, user_id) DO NOTHING",
                    chunk.flatMap { [.id(roomID), .id($0.0.id), .date(plan.at)] })
            }

            // One live load-test session per account: what an earlier run left is revoked.
            try await tx.query(
                "UPDATE auth_sessions SET revoked_at = ? WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM users WHERE email LIKE ?)",
                [.date(plan.at), .text(emailPattern)])
            let sessions = accounts.map { _ in SessionID.generate() }
            for chunk in Array(zip(accounts, sessions)).chunks(of: Self.rowsPerInsert) {
                try await tx.query(
                    "INSERT INTO auth_sessions (\(SQLSessionStore.columns)) VALUES "
                        + Self.rows(chunk.count, "(?, ?, ?, ?, ?, NULL, 'chamber-load', NULL)"),
                    chunk.flatMap { [.id($0.1), .id($0.0.0.id), .date(plan.at), .date(plan.at), .date(plan.sessionExpiry)] })
            }
            return LoadTestProvision(
                chamberID: chamberID, roomID: roomID, announcementsID: announcementsID,
                accounts: zip(accounts, sessions).map { ($0.0.0, $0.0.1, $0.1) })
        }
    }

    /// The chamber's channel matching `condition`, or `channel` created now.
    private static func channel(
        _ scope: ChamberScopedSQL, _ condition: String, _ value: SQLValue, creating channel: Channel, founder: UserID
    ) async throws -> ChannelID {
        if let row = try await scope.query("SELECT id FROM channels WHERE chamber_id = :chamber AND \(condition) AND archived_at IS NULL", [value])
            .first
        {
            return try row.id("id")
        }
        try await scope.query(
            "INSERT INTO channels (id, chamber_id, kind, name, topic, event_id, direct_key, created_by, created_at, archived_at, last_seq) VALUES (?, :chamber, ?, ?, ?, ?, NULL, ?, ?, NULL, 0)",
            [
                .id(channel.id), .text(channel.kind.rawValue), .text(channel.name), .text(channel.topic), .text(channel.eventID),
                .id(founder), .date(channel.createdAt),
            ])
        return channel.id
    }

    private static func rows(_ count: Int, _ row: String) -> String {
        Array(repeating: row, count: count).joined(separator: ", ")
    }
}

extension Array {
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
