import ChamberDomain
import Foundation

/// What one chamber holds about a person, read for their export: the chamber's rows about them, and their account's
/// own (which no chamber owns, and which are theirs whichever chamber asks).
struct SQLPersonalDataStore: PersonalDataStore {
    let sql: ChamberScopedSQL

    /// One section: a statement with the person's id bound to each `?`, and the columns left out (secrets, and
    /// copies kept for search).
    private struct Part {
        let name: String
        let about: String
        let statement: String
        var omitted: Set<String> = []
        /// Whether the statement is the account's own, not the chamber's (no `:chamber` in it).
        var account = false
        /// Whether only the person's own request includes it (what no chamber holds: where they signed in from).
        var ownOnly = false
        /// The table whose sealed column is opened for the export, when the rows come from one.
        var sealed: SealedFields.SealedTable?
    }

    private static let parts: [Part] = [
        Part(
            name: "account", about: "your account: e-mail address, name, and whether it has a second factor",
            statement: """
                SELECT u.id, u.email, u.display_name, u.is_platform_admin, u.created_at, t.enabled_at AS two_factor_enabled_at
                FROM users u LEFT JOIN two_factor_secrets t ON t.user_id = u.id WHERE u.id = ?
                """, account: true),
        Part(
            name: "sessions", about: "where and when you signed in",
            statement:
                "SELECT id, created_at, last_used_at, expires_at, revoked_at, user_agent, ip_address FROM auth_sessions WHERE user_id = ? ORDER BY created_at",
            account: true, ownOnly: true),
        Part(
            name: "devices", about: "the phones and browsers that receive your push notifications",
            statement: "SELECT id, platform, name, created_at, registered_at FROM devices WHERE user_id = ? ORDER BY created_at", account: true,
            ownOnly: true),
        Part(
            name: "membership", about: "your membership of the chamber: role, tier, standing and dates",
            statement: "SELECT * FROM memberships WHERE chamber_id = :chamber AND user_id = ?"),
        Part(
            name: "applications", about: "your membership applications, with every answer you gave",
            statement: "SELECT * FROM membership_applications WHERE chamber_id = :chamber AND applicant_id = ? ORDER BY created_at",
            // The checks name other applicants and businesses that share a tax id or an address.
            omitted: ["legal_name_key", "checks", "score"], sealed: .membershipApplications),
        Part(
            name: "businesses", about: "the businesses you own in the chamber's directory",
            statement: """
                SELECT id, legal_name, display_name, tax_id, category, address, website, phone, email, social_links, description, logo_url,
                privacy, created_at FROM businesses WHERE chamber_id = :chamber AND owner_user_id = ? ORDER BY created_at
                """, sealed: .businesses),
        Part(
            name: "invitations", about: "invitations the chamber sent to your e-mail address",
            statement: """
                SELECT id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at FROM invitations
                WHERE chamber_id = :chamber AND email = (SELECT email FROM users WHERE id = ?) ORDER BY created_at
                """),
        Part(
            name: "channels", about: "the channels you are in",
            statement: """
                SELECT m.channel_id, c.kind, c.name, m.role, m.joined_at, m.last_read_seq FROM channel_members m
                JOIN channels c ON c.id = m.channel_id WHERE m.chamber_id = :chamber AND m.user_id = ? ORDER BY m.joined_at
                """),
        Part(
            name: "messages", about: "every message you sent, as stored (a deleted one with its text removed)",
            statement: "SELECT * FROM messages WHERE chamber_id = :chamber AND sender_id = ? ORDER BY created_at, seq"),
        Part(
            name: "reports", about: "messages you reported, and why",
            statement: "SELECT * FROM message_reports WHERE chamber_id = :chamber AND reporter_id = ? ORDER BY created_at"),
        Part(
            name: "sanctions", about: "mutes and bans the chamber's moderators gave you",
            statement: "SELECT * FROM sanctions WHERE chamber_id = :chamber AND user_id = ? ORDER BY created_at"),
        Part(
            name: "notifications", about: "your notifications",
            statement: "SELECT * FROM notifications WHERE chamber_id = :chamber AND user_id = ? ORDER BY created_at"),
        Part(
            name: "notification_settings", about: "what you chose to be notified of, and the channels you muted",
            statement: """
                SELECT 'choices' AS kind, choices, NULL AS channel_id, NULL AS until_at, updated_at FROM notification_choices
                WHERE chamber_id = :chamber AND user_id = ?
                UNION ALL SELECT 'mute', NULL, channel_id, until_at, created_at FROM notification_mutes WHERE chamber_id = :chamber AND user_id = ?
                """),
        Part(
            name: "registrations", about: "your event registrations",
            statement: """
                SELECT r.*, e.title AS event_title, e.starts_at AS event_starts_at FROM event_registrations r JOIN events e ON e.id = r.event_id
                WHERE r.chamber_id = :chamber AND r.user_id = ? ORDER BY r.created_at
                """, omitted: ["check_in_token", "idempotency_key", "payment_reference"]),
        Part(
            name: "invoices", about: "your invoices",
            statement: "SELECT * FROM invoices WHERE chamber_id = :chamber AND user_id = ? ORDER BY created_at"),
        Part(
            name: "payments", about: "payments, credits and refunds on your invoices",
            statement: "SELECT * FROM ledger_entries WHERE chamber_id = :chamber AND user_id = ? ORDER BY at, position",
            omitted: ["reference"]),
        Part(
            name: "dues", about: "your dues as recorded by the chamber",
            statement: "SELECT * FROM dues_ledger WHERE chamber_id = :chamber AND user_id = ? ORDER BY at"),
        Part(
            name: "saved_cards", about: "the card you saved for dues (its brand and expiry; the number is the processor's)",
            statement: "SELECT * FROM saved_cards WHERE chamber_id = :chamber AND user_id = ?", omitted: ["customer_id", "payment_method_id"]),
        Part(
            name: "files", about: "the files you uploaded (their bytes are under files/)", statement: ownFiles),
    ]

    /// A member's files in the chamber: listed in the export, and read for their bytes.
    private static let ownFiles =
        "SELECT \(SQLFileRecordStore.columns) FROM files WHERE chamber_id = :chamber AND owner_id = ? ORDER BY created_at"

    func sections(of user: UserID, includingAccount: Bool) async throws -> [PersonalDataSection] {
        var sections: [PersonalDataSection] = []
        let fields = try sql.fields
        for part in Self.parts where includingAccount || !part.ownOnly {
            let binds = [SQLValue](repeating: .id(user), count: part.statement.filter { $0 == "?" }.count)
            var rows = part.account ? try await sql.executor.query(part.statement, binds) : try await sql.query(part.statement, binds)
            if let table = part.sealed { rows = try rows.map { try fields.opened($0, of: table) } }
            sections.append(PersonalDataSection(name: part.name, about: part.about, rows: rows.map { SQLRowJSON.json($0, omitting: part.omitted) }))
        }
        return sections
    }

    func files(of user: UserID) async throws -> [StoredFile] {
        try await sql.query(Self.ownFiles, [.id(user)]).map(SQLFileRecordStore.file)
    }
}
