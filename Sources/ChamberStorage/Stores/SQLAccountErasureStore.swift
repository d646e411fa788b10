import ChamberDomain
import Foundation

/// Erasing an account: everything personal about it removed or anonymised, across chambers, in one transaction.
///
/// Kept, because the law or the chamber's other members need them: invoices, payments and dues (financial records),
/// the person's messages (shown under the former member's name), moderation records, businesses (the chamber's
/// records of companies, hidden from the directory as for any member who left), and the audit log (with the person's
/// e-mail address taken out of invitations' details). The account row stays too, anonymised, so that what is kept
/// still points at someone.
struct SQLAccountErasureStore: AccountErasureStore {
    let db: any SQLDatabase

    /// Tables where a chamber holds the person's data, by the column naming them: an erasure confined to one chamber
    /// is refused while another chamber has a row in any.
    private static let heldByChambers = [
        ("memberships", "user_id"), ("membership_applications", "applicant_id"), ("event_registrations", "user_id"), ("invoices", "user_id"),
        ("businesses", "owner_user_id"), ("files", "owner_id"),
    ]

    func erase(_ user: UserID, formerName: String, at: Date, confinedTo chamber: ChamberID?) async throws -> ErasedAccount {
        try await db.transaction { tx in
            guard
                let account = try await tx.query(
                    "SELECT email, display_name FROM users WHERE id = ? AND erased_at IS NULL \(tx.dialect == .postgres ? "FOR UPDATE" : "")",
                    [.id(user)]
                ).first
            else { return ErasedAccount(chambers: [], files: [], exports: [], sessions: []) }
            let email = try account.string("email")
            let name = try account.string("display_name")
            let id = SQLValue.id(user)
            if let chamber {
                // Checked under the account's lock: an invitation accepted meanwhile cannot slip past it.
                for (table, column) in Self.heldByChambers {
                    let elsewhere = try await tx.query(
                        "SELECT 1 AS held FROM \(table) WHERE \(column) = ? AND chamber_id <> ? LIMIT 1", [id, .id(chamber)])
                    if !elsewhere.isEmpty {
                        throw ChamberError(
                            .erasureRefused,
                            "another chamber also holds this person's data (\(table)), which is not this chamber's to erase; they can erase "
                                + "their own account")
                    }
                }
            }

            let memberships = try await tx.query("SELECT chamber_id, role FROM memberships WHERE user_id = ? ORDER BY chamber_id", [id])
            for membership in memberships where try membership.string("role") == Role.admin.rawValue {
                // On PostgreSQL the admins' rows are locked, as a demotion locks them: two admins leaving at once cannot
                // both see the other stay.
                let admins = try await tx.query(
                    "SELECT user_id FROM memberships WHERE chamber_id = ? AND role = ?\(tx.dialect == .postgres ? " FOR UPDATE" : "")",
                    [try membership.value("chamber_id"), .text(Role.admin.rawValue)])
                if admins.count <= 1 {
                    throw ChamberError(.lastAdmin, "this person is the only admin of a chamber; make another member admin first")
                }
            }
            let sessions: [SessionID] = try await tx.query("SELECT id FROM auth_sessions WHERE user_id = ? AND revoked_at IS NULL", [id]).map {
                try $0.id("id")
            }
            let files = try await tx.query("SELECT \(SQLFileRecordStore.columns) FROM files WHERE owner_id = ?", [id]).map(SQLFileRecordStore.file)
            let exports = try await tx.query("SELECT \(SQLDataExportStore.columns) FROM data_exports WHERE user_id = ?", [id]).map(
                SQLDataExportStore.export)

            // No '@': no address anyone can register, so nobody can take the placeholder first and block the erasure.
            try await tx.query(
                """
                UPDATE users SET email = ?, display_name = ?, password_hash = ?, search_name = '', is_platform_admin = FALSE, erased_at = ?
                WHERE id = ?
                """, [.text("erased:\(user.rawValue)"), .text(formerName), .text(NoPassword.hash), .date(at), id])
            for statement in [
                // Signing in, and being reached. Notices owed first: one being recorded meanwhile holds its row, so
                // its feed entry and pushes commit before those are erased below, or never.
                "DELETE FROM notice_outbox WHERE user_id = ?",
                "DELETE FROM devices WHERE user_id = ?",
                "DELETE FROM auth_sessions WHERE user_id = ?",
                "DELETE FROM password_resets WHERE user_id = ?",
                "DELETE FROM two_factor_secrets WHERE user_id = ?",
                "DELETE FROM recovery_codes WHERE user_id = ?",
                "DELETE FROM second_factor_challenges WHERE user_id = ?",
                "DELETE FROM linked_identities WHERE user_id = ?",
                "DELETE FROM sign_in_requests WHERE user_id = ?",
                "DELETE FROM push_outbox WHERE user_id = ?",
                "DELETE FROM notification_emails WHERE user_id = ?",
                "DELETE FROM notifications WHERE user_id = ?",
                "DELETE FROM notification_choices WHERE user_id = ?",
                "DELETE FROM notification_mutes WHERE user_id = ?",
                // Belonging: the person is no member of anything any more.
                "DELETE FROM channel_members WHERE user_id = ?",
                "DELETE FROM memberships WHERE user_id = ?",
                "DELETE FROM membership_applications WHERE applicant_id = ?",
                "DELETE FROM saved_cards WHERE user_id = ?",
                "DELETE FROM files WHERE owner_id = ?",
                "DELETE FROM data_exports WHERE user_id = ?",
            ] {
                try await tx.query(statement, [id])
            }
            // Door lists keep a seat's row (its invoice, the event's count) under the former member's name.
            try await tx.query(
                "UPDATE event_registrations SET name = ?, guests = '[]', check_in_token = 'erased-' || id WHERE user_id = ?", [.text(formerName), id])
            try await tx.query("UPDATE notifications SET title = ? WHERE actor_id = ? AND title = ?", [.text(formerName), id, .text(name)])
            try await tx.query("UPDATE api_keys SET revoked_at = ? WHERE created_by = ? AND revoked_at IS NULL", [.date(at), id])
            // Addressed by e-mail only.
            try await tx.query("DELETE FROM invitations WHERE email = ?", [.text(email)])
            try await tx.query("DELETE FROM outbound_mail WHERE recipient = ?", [.text(email)])
            // Invitations' audit entries quote the address they went to; read by chamber, not across the whole log.
            for membership in memberships {
                try await tx.query(
                    "UPDATE audit_log SET detail = replace(detail, ?, '[erased]') WHERE chamber_id = ? AND action LIKE 'invitation.%' AND detail LIKE ?",
                    [.text(email), try membership.value("chamber_id"), .text("%\(email)%")])
            }
            return ErasedAccount(
                chambers: try memberships.map { try $0.id("chamber_id") }, files: files, exports: exports, sessions: sessions)
        }
    }
}
