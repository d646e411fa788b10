import ChamberDomain
import Foundation

/// The mail outbox in `outbound_mail`: a row per mail, claimed by lease like the push outbox, kept after it ended
/// for support (and the tests) to read.
struct SQLMailOutboxStore: MailOutboxStore {
    let db: any SQLDatabase

    private static let columns = "id, kind, recipient, subject, body, unsubscribe_url, status, attempts, last_error"

    private static func delivery(_ row: SQLRow) throws -> MailDelivery {
        MailDelivery(
            id: try row.string("id"),
            mail: Mail(
                kind: Mail.Kind(rawValue: try row.string("kind")) ?? .passwordReset, to: try row.string("recipient"),
                subject: try row.string("subject"), body: try row.string("body"), unsubscribeURL: try row.optionalString("unsubscribe_url")),
            status: MailStatus(rawValue: try row.string("status")) ?? .failed, attempts: Int(try row.int("attempts")),
            lastError: try row.optionalString("last_error"))
    }

    func record(_ mail: Mail, at instant: Date) async throws {
        try await Self.insert(mail, at: instant, in: db)
    }

    /// Queues `mail` through `executor` (a transaction of the caller's, when the mail must commit with its cause).
    static func insert(_ mail: Mail, at instant: Date, in executor: any SQLExecutor) async throws {
        try await executor.query(
            """
            INSERT INTO outbound_mail (id, kind, recipient, subject, body, unsubscribe_url, created_at, status, attempts, not_before)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)
            """,
            [
                .text(UUID().uuidString.lowercased()), .text(mail.kind.rawValue), .text(mail.to), .text(mail.subject), .text(mail.body),
                mail.unsubscribeURL.map { .text($0) } ?? .null, .date(instant), .date(instant),
            ])
    }

    func claim(limit: Int, at instant: Date, lease: TimeInterval, claim: String) async throws -> [MailDelivery] {
        // The lease conditions stand in the outer statement too: PostgreSQL re-checks them on a row another claimant
        // changed meanwhile, so two workers never hold one mail.
        let free = "status = 'pending' AND not_before <= ? AND (claimed_until IS NULL OR claimed_until < ?)"
        return try await db.query(
            """
            UPDATE outbound_mail SET claim = ?, claimed_until = ?, attempts = attempts + 1
            WHERE id IN (SELECT id FROM outbound_mail WHERE \(free) ORDER BY not_before LIMIT ?) AND \(free)
            RETURNING \(Self.columns)
            """,
            [
                .text(claim), .date(instant.addingTimeInterval(lease)), .date(instant), .date(instant), .int(Int64(limit)), .date(instant),
                .date(instant),
            ]
        ).map(Self.delivery)
    }

    func renew(claim: String, until: Date) async throws {
        try await db.query("UPDATE outbound_mail SET claimed_until = ? WHERE claim = ? AND status = 'pending'", [.date(until), .text(claim)])
    }

    func finish(_ results: [(id: String, result: MailResult)], claim: String, at instant: Date) async throws {
        guard !results.isEmpty else { return }
        try await db.transaction(retryingConflicts: 3) { tx in
            for (id, result) in results {
                switch result {
                case .retry(let due, let error):
                    try await tx.query(
                        "UPDATE outbound_mail SET not_before = ?, last_error = ?, claim = NULL, claimed_until = NULL WHERE id = ? AND claim = ?",
                        [.date(due), .text(error), .text(id), .text(claim)])
                case .sent, .recorded:
                    try await tx.query(
                        "UPDATE outbound_mail SET status = ?, claim = NULL, claimed_until = NULL, finished_at = ? WHERE id = ? AND claim = ?",
                        [.text((result == .sent ? MailStatus.sent : .recorded).rawValue), .date(instant), .text(id), .text(claim)])
                case .failed(let error):
                    try await tx.query(
                        """
                        UPDATE outbound_mail SET status = 'failed', last_error = ?, claim = NULL, claimed_until = NULL, finished_at = ?
                        WHERE id = ? AND claim = ?
                        """,
                        [.text(error), .date(instant), .text(id), .text(claim)])
                }
            }
        }
    }

    func nextDue() async throws -> Date? {
        try await db.query(
            "SELECT min(CASE WHEN claim IS NULL THEN not_before ELSE claimed_until END) AS due FROM outbound_mail WHERE status = 'pending'"
        ).first?.optionalDate("due")
    }

    func deliveries(to address: String, limit: Int) async throws -> [MailDelivery] {
        try await db.query(
            "SELECT \(Self.columns) FROM outbound_mail WHERE recipient = ? ORDER BY created_at DESC, id LIMIT ?",
            [.text(address), .int(Int64(limit))]
        ).map(Self.delivery)
    }

    func prune(finishedBefore instant: Date) async throws -> Int {
        try await db.query("DELETE FROM outbound_mail WHERE status <> 'pending' AND finished_at < ? RETURNING id", [.date(instant)]).count
    }
}
