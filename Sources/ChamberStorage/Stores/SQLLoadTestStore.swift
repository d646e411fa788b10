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
            let (eventID, roomID) = try await Self.event(scope, plan, founder: founder)
            try await Self.register(accounts.filter { $0.1 == .member }.map(\.0), for: eventID, scope, plan)
            let announcementsID = try await Self.channel(
                scope, "kind = 'announcement' AND name = ?", .text(plan.announcements.name),
                creating: plan.announcements, founder: founder)
            // The admins are the event's organisers: the room's owners.
            for chunk in accounts.chunks(of: Self.rowsPerInsert) {
                try await scope.query(
                    "INSERT INTO channel_members (chamber_id, channel_id, user_id, role, joined_at, last_read_seq) VALUES "
                        + Self.rows(chunk.count, "(:chamber, ?, ?, ?, ?, 0)")
                        + " ON CONFLICT (channel_id, user_id) DO UPDATE SET role = excluded.role",
                    chunk.flatMap { [.id(roomID), .id($0.0.id), .text($0.1 == .member ? "member" : "owner"), .date(plan.at)] })
            }

            // One live load-test session per account: what an earlier run left is revoked.
            try await tx.query(
                "UPDATE auth_sessions SET revoked_at = ? WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM users WHERE email LIKE ?)",
                [.date(plan.at), .text(emailPattern)])
            let sessions = accounts.map { _ in SessionID.generate() }
            for chunk in Array(zip(accounts, sessions)).chunks(of: Self.rowsPerInsert) {
                try await tx.query(
                    "INSERT INTO auth_sessions (\(SQLSessionStore.columns)) VALUES "
                        + Self.rows(chunk.count, "(?, ?, ?, ?, ?, NULL, 'chamber-load', NULL, NULL, NULL)"),
                    chunk.flatMap { [.id($0.1), .id($0.0.0.id), .date(plan.at), .date(plan.at), .date(plan.sessionExpiry)] })
            }
            return LoadTestProvision(
                chamberID: chamberID, eventID: eventID, roomID: roomID, announcementsID: announcementsID,
                accounts: zip(accounts, sessions).map { ($0.0.0, $0.0.1, $0.1) })
        }
    }

    /// The load-test event and its room: the published one not over yet (kept running until the new tokens expire),
    /// or the plan's, created with its ticket type and room.
    private static func event(_ scope: ChamberScopedSQL, _ plan: LoadTestPlan, founder: UserID) async throws -> (EventID, ChannelID) {
        if let row = try await scope.query(
            """
            SELECT id, room_id FROM events WHERE chamber_id = :chamber AND title = ? AND status = 'published' AND ends_at > ? \
            AND room_id IS NOT NULL ORDER BY created_at DESC LIMIT 1
            """, [.text(plan.event.title), .date(plan.at)]
        ).first {
            let id: EventID = try row.id("id")
            try await scope.query(
                "UPDATE events SET ends_at = ? WHERE chamber_id = :chamber AND id = ? AND ends_at < ?",
                [.date(plan.sessionExpiry), .id(id), .date(plan.sessionExpiry)])
            return (id, try row.id("room_id"))
        }
        let planned = plan.event
        let roomID = try await channel(
            scope, "kind = 'event' AND event_id = ?", .text(plan.room.eventID), creating: plan.room, founder: founder)
        let event = Event(
            id: planned.id, chamberID: scope.chamberID, title: planned.title, startsAt: planned.startsAt, endsAt: planned.endsAt,
            timeZone: planned.timeZone, format: planned.format, venue: planned.venue, virtualURL: planned.virtualURL,
            visibility: planned.visibility, status: planned.status, createdBy: founder, createdAt: planned.createdAt, roomID: roomID)
        try await SQLEventStore(sql: scope).insert(event, ticketTypes: [plan.ticket])
        return (event.id, roomID)
    }

    /// Confirmed, free registrations for the members not registered yet, with the seats they take counted.
    private static func register(_ members: [User], for eventID: EventID, _ scope: ChamberScopedSQL, _ plan: LoadTestPlan) async throws {
        let registered = Set(
            try await scope.query(
                """
                SELECT user_id FROM event_registrations
                WHERE chamber_id = :chamber AND event_id = ? AND user_id IS NOT NULL AND status NOT IN ('cancelled', 'expired')
                """, [.id(eventID)]
            ).map { try $0.id("user_id") as UserID })
        guard
            let ticket = try await scope.query(
                "SELECT id FROM event_ticket_types WHERE chamber_id = :chamber AND event_id = ? ORDER BY position LIMIT 1", [.id(eventID)]
            ).first
        else { throw StorageError.missingColumn("event_ticket_types.\(eventID)") }
        let ticketID: TicketTypeID = try ticket.id("id")
        let newcomers = members.filter { !registered.contains($0.id) }
        for chunk in newcomers.chunks(of: rowsPerInsert) {
            try await scope.query(
                """
                INSERT INTO event_registrations (id, chamber_id, event_id, user_id, registered_by, name, ticket_type_id, guests, seats,
                    amount_cents, status, created_at, check_in_token, walk_in) VALUES
                """ + rows(chunk.count, "(?, :chamber, ?, ?, ?, ?, ?, '[]', 1, 0, 'confirmed', ?, ?, FALSE)"),
                chunk.flatMap {
                    [
                        .id(RegistrationID.generate()), .id(eventID), .id($0.id), .id($0.id), .text($0.displayName), .id(ticketID), .date(plan.at),
                        .text(CheckInCode.newToken()),
                    ]
                })
        }
        guard !newcomers.isEmpty else { return }
        let seats = SQLValue.int(Int64(newcomers.count))
        try await scope.query("UPDATE events SET seats_taken = seats_taken + ? WHERE chamber_id = :chamber AND id = ?", [seats, .id(eventID)])
        try await scope.query(
            "UPDATE event_ticket_types SET seats_taken = seats_taken + ? WHERE chamber_id = :chamber AND id = ?", [seats, .id(ticketID)])
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
