import ChamberDomain
import Foundation

/// Erasing an account: everything personal about it removed or anonymised, across chambers, in one transaction.
///
/// Kept, because the law or the chamber's other members need them: invoices, payments and dues (financial records),
/// the person's messages (shown under the former member's name), reports and sanctions, and the audit log (with the
/// person's e-mail address taken out of its details). The account row stays too, anonymised, so that what is kept
/// still points at someone.
struct SQLAccountErasureStore: AccountErasureStore {
    let db: any SQLDatabase

    func chambers(of user: UserID) async throws -> [ChamberID] {
        try await db.query("SELECT chamber_id FROM memberships WHERE user_id = ? ORDER BY chamber_id", [.id(user)]).map { try $0.id("chamber_id") }
    }

    func erase(_ user: UserID, formerName: String, at: Date) async throws -> ErasedAccount {
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

            let memberships = try await tx.query("SELECT chamber_id, role FROM memberships WHERE user_id = ? ORDER BY chamber_id", [id])
            for membership in memberships where try membership.string("role") == Role.admin.rawValue {
                let admins = try await tx.query(
                    "SELECT count(*) AS n FROM memberships WHERE chamber_id = ? AND role = ?",
                    [try membership.value("chamber_id"), .text(Role.admin.rawValue)])
                if try admins.first?.int("n") ?? 0 <= 1 {
                    throw ChamberError(.lastAdmin, "this person is the only admin of a chamber; make another member admin first")
                }
            }
            let sessions: [SessionID] = try await tx.query("SELECT id FROM auth_sessions WHERE user_id = ? AND revoked_at IS NULL", [id]).map {
                try $0.id("id")
            }
            let files = try await tx.query("SELECT \(SQLFileRecordStore.columns) FROM files WHERE owner_id = ?", [id]).map(SQLFileRecordStore.file)
            let exports = try await tx.query("SELECT \(SQLDataExportStore.columns) FROM data_exports WHERE user_id = ?", [id]).map(
                SQLDataExportStore.export)

            try await tx.query(
                """
                UPDATE users SET email = ?, display_name = ?, password_hash = ?, search_name = '', is_platform_admin = FALSE, erased_at = ?
                WHERE id = ?
                """, [.text("erased-\(user.rawValue)@erased.invalid"), .text(formerName), .text(NoPassword.hash), .date(at), id])
            for statement in [
                // Signing in, and being reached.
                "DELETE FROM devices WHERE user_id = ?",
                "DELETE FROM auth_sessions WHERE user_id = ?",
                "DELETE FROM password_resets WHERE user_id = ?",
                "DELETE FROM two_factor_secrets WHERE user_id = ?",
                "DELETE FROM recovery_codes WHERE user_id = ?",
                "DELETE FROM second_factor_challenges WHERE user_id = ?",
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
                // The businesses are the chamber's listings of companies: they stay, without their owner.
                "UPDATE businesses SET owner_user_id = NULL WHERE owner_user_id = ?",
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
            try await tx.query(
                "UPDATE audit_log SET detail = replace(detail, ?, '[erased]') WHERE detail LIKE ?", [.text(email), .text("%\(email)%")])
            return ErasedAccount(
                chambers: try memberships.map { try $0.id("chamber_id") }, files: files, exports: exports, sessions: sessions)
        }
    }
}
