import ChamberDomain
import Foundation

struct SQLTwoFactorStore: TwoFactorStore {
    let db: any SQLDatabase

    func find(userID: UserID) async throws -> TwoFactorRecord? {
        try await db.query("SELECT user_id, sealed_secret, enabled_at, last_step FROM two_factor_secrets WHERE user_id = ?", [.id(userID)])
            .first.map { row in
                TwoFactorRecord(
                    userID: try row.id("user_id"), sealedSecret: try row.string("sealed_secret"), enabledAt: try row.optionalDate("enabled_at"),
                    lastStep: try row.int("last_step"))
            }
    }

    func startEnrolment(userID: UserID, sealedSecret: String, at: Date) async throws -> Bool {
        // The upsert leaves a confirmed secret alone: nothing is returned then.
        try await !db.query(
            """
            INSERT INTO two_factor_secrets (user_id, sealed_secret, created_at) VALUES (?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, created_at = excluded.created_at, last_step = 0
                WHERE two_factor_secrets.enabled_at IS NULL
            RETURNING user_id
            """, [.id(userID), .text(sealedSecret), .date(at)]
        ).isEmpty
    }

    func confirm(userID: UserID, sealedSecret: String, step: Int64, recoveryCodeHashes: [String], at: Date) async throws -> Bool {
        try await db.transaction { tx in
            let confirmed = try await tx.query(
                """
                UPDATE two_factor_secrets SET enabled_at = ?, last_step = ?
                WHERE user_id = ? AND sealed_secret = ? AND enabled_at IS NULL AND last_step < ? RETURNING user_id
                """, [.date(at), .int(step), .id(userID), .text(sealedSecret), .int(step)])
            guard !confirmed.isEmpty else { return false }
            try await Self.replaceRecoveryCodes(userID, recoveryCodeHashes, at: at, in: tx)
            return true
        }
    }

    func reserveAttempt(userID: UserID, at: Date, window: TimeInterval, limit: Int) async throws -> Date? {
        // A window starts at the first attempt counted after the previous one ended; within it the count grows only
        // while under the limit. One statement: two nodes counting at once both see the other's count.
        let cutoff = SQLValue.date(at.addingTimeInterval(-window))
        let counted = try await db.query(
            """
            UPDATE two_factor_secrets
            SET failures = CASE WHEN failures_since IS NULL OR failures_since <= ? THEN 1 ELSE failures + 1 END,
                failures_since = CASE WHEN failures_since IS NULL OR failures_since <= ? THEN ? ELSE failures_since END
            WHERE user_id = ? AND (failures_since IS NULL OR failures_since <= ? OR failures < ?)
            RETURNING failures
            """, [cutoff, cutoff, .date(at), .id(userID), cutoff, .int(Int64(limit))])
        guard counted.isEmpty else { return nil }
        let since = try await db.query("SELECT failures_since FROM two_factor_secrets WHERE user_id = ?", [.id(userID)]).first?
            .optionalDate("failures_since")
        return since.map { $0.addingTimeInterval(window) } ?? at
    }

    func clearAttempts(userID: UserID) async throws {
        try await db.query("UPDATE two_factor_secrets SET failures = 0, failures_since = NULL WHERE user_id = ?", [.id(userID)])
    }

    func use(userID: UserID, step: Int64) async throws -> Bool {
        try await !db.query(
            "UPDATE two_factor_secrets SET last_step = ? WHERE user_id = ? AND enabled_at IS NOT NULL AND last_step < ? RETURNING user_id",
            [.int(step), .id(userID), .int(step)]
        ).isEmpty
    }

    func spendRecoveryCode(userID: UserID, hash: String, at: Date) async throws -> Bool {
        try await !db.query(
            "UPDATE recovery_codes SET spent_at = ? WHERE user_id = ? AND code_hash = ? AND spent_at IS NULL RETURNING user_id",
            [.date(at), .id(userID), .text(hash)]
        ).isEmpty
    }

    func renewRecoveryCodes(userID: UserID, step: Int64, hashes: [String], at: Date) async throws -> Bool {
        try await db.transaction { tx in
            let used = try await tx.query(
                "UPDATE two_factor_secrets SET last_step = ? WHERE user_id = ? AND enabled_at IS NOT NULL AND last_step < ? RETURNING user_id",
                [.int(step), .id(userID), .int(step)])
            guard !used.isEmpty else { return false }
            try await Self.replaceRecoveryCodes(userID, hashes, at: at, in: tx)
            return true
        }
    }

    func recoveryCodesLeft(userID: UserID) async throws -> Int {
        Int(
            try await db.query("SELECT count(*) AS n FROM recovery_codes WHERE user_id = ? AND spent_at IS NULL", [.id(userID)])
                .first?.int("n") ?? 0)
    }

    func disable(userID: UserID) async throws {
        try await db.transaction { tx in
            try await tx.query("DELETE FROM two_factor_secrets WHERE user_id = ?", [.id(userID)])
            try await tx.query("DELETE FROM recovery_codes WHERE user_id = ?", [.id(userID)])
            try await tx.query("DELETE FROM second_factor_challenges WHERE user_id = ?", [.id(userID)])
            // Sessions that proved the factor no longer count as proved: a chamber that requires one refuses them.
            try await tx.query("UPDATE auth_sessions SET second_factor_at = NULL WHERE user_id = ?", [.id(userID)])
        }
    }

    func createChallenge(tokenHash: String, userID: UserID, expiresAt: Date, signInProvider: String?) async throws {
        try await db.transaction { tx in
            // Ended logins are swept here, where new ones arrive (the index on expiry keeps it a range delete).
            try await tx.query(
                "DELETE FROM second_factor_challenges WHERE expires_at <= ?", [.date(expiresAt.addingTimeInterval(-24 * 3600))])
            try await tx.query(
                "INSERT INTO second_factor_challenges (token_hash, user_id, expires_at, sign_in_provider) VALUES (?, ?, ?, ?)",
                [.text(tokenHash), .id(userID), .date(expiresAt), .text(signInProvider)])
        }
    }

    func findChallenge(tokenHash: String, now: Date) async throws -> SecondFactorChallenge? {
        try await db.query(
            "SELECT user_id, expires_at, failures, sign_in_provider FROM second_factor_challenges WHERE token_hash = ? AND expires_at > ?",
            [.text(tokenHash), .date(now)]
        ).first.map { row in
            SecondFactorChallenge(
                userID: try row.id("user_id"), expiresAt: try row.date("expires_at"), failures: Int(try row.int("failures")),
                signInProvider: try row.optionalString("sign_in_provider"))
        }
    }

    func recordChallengeFailure(tokenHash: String, limit: Int) async throws {
        try await db.transaction { tx in
            try await tx.query("UPDATE second_factor_challenges SET failures = failures + 1 WHERE token_hash = ?", [.text(tokenHash)])
            try await tx.query("DELETE FROM second_factor_challenges WHERE token_hash = ? AND failures >= ?", [.text(tokenHash), .int(Int64(limit))])
        }
    }

    func finishChallenge(tokenHash: String) async throws -> Bool {
        try await !db.query("DELETE FROM second_factor_challenges WHERE token_hash = ? RETURNING user_id", [.text(tokenHash)]).isEmpty
    }

    private static func replaceRecoveryCodes(_ userID: UserID, _ hashes: [String], at: Date, in tx: any SQLExecutor) async throws {
        try await tx.query("DELETE FROM recovery_codes WHERE user_id = ?", [.id(userID)])
        for hash in hashes {
            try await tx.query(
                "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)", [.id(userID), .text(hash), .date(at)])
        }
    }
}
