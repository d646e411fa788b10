import ChamberDomain
import Foundation

/// E-mails owed to members, in `notification_emails`: a row per member and chamber while a mail is owed, due at the
/// earliest moment any of its notifications asked for; claimed by lease like the outboxes.
///
/// Each notification that asks for e-mail raises the row's `generation`. A worker settles a claimed row by deleting
/// it only if its generation is the one it claimed: otherwise notifications came meanwhile (perhaps committed after
/// the worker read the feed), and the row stays owed from the first of them (`pending_since`), due when they asked
/// (`pending_due`). The condition is in the write itself, so PostgreSQL re-checks it after a concurrent upsert.
struct SQLNotificationEmailStore: NotificationEmailStore {
    let db: any SQLDatabase

    /// Owes each member of `additions` that wants e-mail a mail, due at the earliest of their notifications' dues
    /// (the fan-out's transaction, `tx`).
    static func schedule(_ additions: [FeedAddition], in tx: ChamberScopedSQL, at instant: Date) async throws {
        var due: [UserID: Date] = [:]
        for addition in additions {
            guard let emailDue = addition.emailDue else { continue }
            due[addition.userID] = min(due[addition.userID] ?? emailDue, emailDue)
        }
        // A statement per 200 members, in id order (as every fan-out writes them).
        for chunk in due.sorted(by: { $0.key.rawValue < $1.key.rawValue }).chunked(200) {
            // A row under a live claim keeps its due; what comes now is owed after that mail (pending_*). A row whose
            // claimant died is due at the earliest again.
            try await tx.query(
                """
                INSERT INTO notification_emails (chamber_id, user_id, due_at, since, generation) VALUES
                    \(Array(repeating: "(:chamber, ?, ?, ?, 1)", count: chunk.count).joined(separator: ", "))
                ON CONFLICT (chamber_id, user_id) DO UPDATE SET
                    generation = notification_emails.generation + 1,
                    due_at = CASE
                        WHEN notification_emails.claim IS NOT NULL AND notification_emails.claimed_until >= excluded.since
                            THEN notification_emails.due_at
                        WHEN excluded.due_at < notification_emails.due_at THEN excluded.due_at
                        ELSE notification_emails.due_at END,
                    pending_since = CASE
                        WHEN notification_emails.claim IS NULL THEN NULL
                        WHEN notification_emails.pending_since IS NULL OR excluded.since < notification_emails.pending_since THEN excluded.since
                        ELSE notification_emails.pending_since END,
                    pending_due = CASE
                        WHEN notification_emails.claim IS NULL THEN NULL
                        WHEN notification_emails.pending_due IS NULL OR excluded.due_at < notification_emails.pending_due THEN excluded.due_at
                        ELSE notification_emails.pending_due END
                """, chunk.flatMap { [.id($0.key), .date($0.value), .date(instant)] })
        }
    }

    func claim(limit: Int, at instant: Date, lease: TimeInterval, claim: String) async throws -> [OwedNotificationEmail] {
        let free = "due_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)"
        return try await db.query(
            """
            UPDATE notification_emails SET claim = ?, claimed_until = ?, pending_since = NULL, pending_due = NULL
            WHERE (chamber_id, user_id) IN (SELECT chamber_id, user_id FROM notification_emails WHERE \(free) ORDER BY due_at LIMIT ?)
                AND \(free)
            RETURNING chamber_id, user_id, since, generation
            """,
            [
                .text(claim), .date(instant.addingTimeInterval(lease)), .date(instant), .date(instant), .int(Int64(limit)), .date(instant),
                .date(instant),
            ]
        ).map { row in
            OwedNotificationEmail(
                chamberID: try row.id("chamber_id"), userID: try row.id("user_id"), since: try row.date("since"),
                generation: try row.int("generation"))
        }
    }

    func settle(_ owed: OwedNotificationEmail, mail: Mail?, claim: String, at instant: Date) async throws {
        try await db.transaction(retryingConflicts: 3) { tx in
            let key: [SQLValue] = [.id(owed.chamberID), .id(owed.userID), .text(claim)]
            let gone = try await tx.query(
                "DELETE FROM notification_emails WHERE chamber_id = ? AND user_id = ? AND claim = ? AND generation = ? RETURNING user_id",
                key + [.int(owed.generation)])
            if gone.isEmpty {
                let owedAgain = try await tx.query(
                    """
                    UPDATE notification_emails SET since = COALESCE(pending_since, since), due_at = COALESCE(pending_due, due_at),
                        pending_since = NULL, pending_due = NULL, claim = NULL, claimed_until = NULL
                    WHERE chamber_id = ? AND user_id = ? AND claim = ? RETURNING user_id
                    """, key)
                // Neither: the lease ran out and another worker has the row; it writes the mail.
                guard !owedAgain.isEmpty else { return }
            }
            if let mail { try await SQLMailOutboxStore.insert(mail, at: instant, in: tx) }
        }
    }

    func nextDue() async throws -> Date? {
        // A live claim: when its lease ends (its claimant may die); otherwise when the mail is due.
        try await db.query(
            "SELECT min(CASE WHEN claim IS NULL OR claimed_until < due_at THEN due_at ELSE claimed_until END) AS due FROM notification_emails"
        ).first?.optionalDate("due")
    }
}
