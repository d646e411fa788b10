import ChamberDomain
import Foundation

/// E-mails owed to members, in `notification_emails`: a row per member and chamber while a mail is owed, due at the
/// earliest moment any of its notifications asked for; claimed by lease like the outboxes.
struct SQLNotificationEmailStore: NotificationEmailStore {
    let db: any SQLDatabase

    /// Owes each member of `additions` that wants e-mail a mail, due at the earliest of their notifications' dues
    /// (the fan-out's transaction, `tx`). A row claimed since its last notification takes the new due: what the
    /// claimed mail does not cover is owed on the new one's terms.
    static func schedule(_ additions: [FeedAddition], in tx: ChamberScopedSQL, at instant: Date) async throws {
        var due: [UserID: Date] = [:]
        for addition in additions {
            guard let emailDue = addition.emailDue else { continue }
            due[addition.userID] = min(due[addition.userID] ?? emailDue, emailDue)
        }
        for (user, dueAt) in due.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try await tx.query(
                """
                INSERT INTO notification_emails (chamber_id, user_id, due_at, since, touched_at) VALUES (:chamber, ?, ?, ?, ?)
                ON CONFLICT (chamber_id, user_id) DO UPDATE SET
                    due_at = CASE
                        WHEN notification_emails.claim IS NOT NULL AND notification_emails.touched_at <= notification_emails.claimed_at
                            THEN excluded.due_at
                        WHEN excluded.due_at < notification_emails.due_at THEN excluded.due_at
                        ELSE notification_emails.due_at END,
                    touched_at = excluded.touched_at
                """, [.id(user), .date(dueAt), .date(instant), .date(instant)])
        }
    }

    func claim(limit: Int, at instant: Date, lease: TimeInterval, claim: String) async throws -> [OwedNotificationEmail] {
        let free = "due_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)"
        return try await db.query(
            """
            UPDATE notification_emails SET claim = ?, claimed_until = ?, claimed_at = ?
            WHERE (chamber_id, user_id) IN (SELECT chamber_id, user_id FROM notification_emails WHERE \(free) ORDER BY due_at LIMIT ?)
                AND \(free)
            RETURNING chamber_id, user_id, since, claimed_at
            """,
            [
                .text(claim), .date(instant.addingTimeInterval(lease)), .date(instant), .date(instant), .date(instant), .int(Int64(limit)),
                .date(instant), .date(instant),
            ]
        ).map { row in
            OwedNotificationEmail(
                chamberID: try row.id("chamber_id"), userID: try row.id("user_id"), since: try row.date("since"),
                claimedAt: try row.date("claimed_at"))
        }
    }

    func settle(_ owed: OwedNotificationEmail, mail: Mail?, claim: String, at instant: Date) async throws {
        try await db.transaction { tx in
            let held = try await tx.query(
                "SELECT touched_at FROM notification_emails WHERE chamber_id = ? AND user_id = ? AND claim = ?",
                [.id(owed.chamberID), .id(owed.userID), .text(claim)])
            // The lease ran out and another worker has it: it writes the mail.
            guard let row = held.first else { return }
            if let mail { try await SQLMailOutboxStore.insert(mail, at: instant, in: tx) }
            if try row.date("touched_at") <= owed.claimedAt {
                try await tx.query(
                    "DELETE FROM notification_emails WHERE chamber_id = ? AND user_id = ? AND claim = ?",
                    [.id(owed.chamberID), .id(owed.userID), .text(claim)])
            } else {
                try await tx.query(
                    """
                    UPDATE notification_emails SET since = ?, claim = NULL, claimed_until = NULL, claimed_at = NULL
                    WHERE chamber_id = ? AND user_id = ? AND claim = ?
                    """, [.date(owed.claimedAt), .id(owed.chamberID), .id(owed.userID), .text(claim)])
            }
        }
    }

    func nextDue() async throws -> Date? {
        try await db.query("SELECT min(CASE WHEN claim IS NULL THEN due_at ELSE claimed_until END) AS due FROM notification_emails")
            .first?.optionalDate("due")
    }
}
