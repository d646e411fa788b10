import ChamberDomain
import Foundation

/// Engagement from the memberships' last-seen times, the messages table and the events' check-ins.
struct SQLEngagementStore: EngagementStore {
    let sql: ChamberScopedSQL

    /// Each member's messages since a time (the one bind), not deleted.
    private static let sent = """
        SELECT sender_id, count(*) AS sent FROM messages
        WHERE chamber_id = :chamber AND created_at >= ? AND deleted_at IS NULL GROUP BY sender_id
        """

    /// Each member's events checked in at since a time (the one bind): a member's registration for an event is one.
    private static let attended = """
        SELECT user_id, count(DISTINCT event_id) AS attended FROM event_registrations
        WHERE chamber_id = :chamber AND user_id IS NOT NULL AND checked_in_at >= ? GROUP BY user_id
        """

    /// In transactions of at most 500 rows, so a big batch never holds SQLite's writer for long.
    func recordSeen(_ seen: [UserID: Date]) async throws {
        for chunk in Array(seen).chunked(500) {
            try await sql.transaction { tx in
                for (user, at) in chunk {
                    try await tx.query(
                        """
                        UPDATE memberships SET last_seen_at = ?
                        WHERE chamber_id = :chamber AND user_id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)
                        """, [.date(at), .id(user), .date(at)])
                }
            }
        }
    }

    func overview(since: Date) async throws -> EngagementOverview {
        let row = try await sql.query(
            """
            SELECT count(*) AS members,
                CAST(coalesce(sum(CASE WHEN m.last_seen_at >= ? OR s.sent > 0 OR a.attended > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS active,
                CAST(coalesce(sum(s.sent), 0) AS BIGINT) AS messages,
                CAST(coalesce(sum(a.attended), 0) AS BIGINT) AS attended
            FROM memberships m LEFT JOIN (\(Self.sent)) s ON s.sender_id = m.user_id
            LEFT JOIN (\(Self.attended)) a ON a.user_id = m.user_id
            WHERE m.chamber_id = :chamber
            """, [.date(since), .date(since), .date(since)]
        ).first
        return EngagementOverview(
            members: Int(try row?.int("members") ?? 0), activeMembers: Int(try row?.int("active") ?? 0),
            messagesSent: Int(try row?.int("messages") ?? 0), eventsAttended: Int(try row?.int("attended") ?? 0))
    }

    func members(since: Date, page: PageRequest) async throws -> Page<MemberEngagement> {
        let rows = try await sql.query(
            """
            SELECT m.user_id, u.display_name, m.role, m.last_seen_at, CAST(coalesce(s.sent, 0) AS BIGINT) AS sent,
                CAST(coalesce(a.attended, 0) AS BIGINT) AS attended
            FROM memberships m JOIN users u ON u.id = m.user_id LEFT JOIN (\(Self.sent)) s ON s.sender_id = m.user_id
            LEFT JOIN (\(Self.attended)) a ON a.user_id = m.user_id
            WHERE m.chamber_id = :chamber
            ORDER BY lower(u.display_name), u.display_name, u.id LIMIT ? OFFSET ?
            """, [.date(since), .date(since)] + page.sqlBinds)
        return Page(
            fetched: try rows.map { row in
                let role = try row.value("role", as: Role.self)
                return MemberEngagement(
                    userID: try row.id("user_id"), displayName: try row.string("display_name"), role: role,
                    lastSeenAt: try row.optionalDate("last_seen_at"), messagesSent: Int(try row.int("sent")),
                    eventsAttended: Int(try row.int("attended")))
            }, request: page)
    }
}
