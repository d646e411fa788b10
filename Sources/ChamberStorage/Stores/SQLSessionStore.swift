import ChamberDomain
import Foundation

struct SQLSessionStore: SessionStore {
    let db: any SQLDatabase

    static let columnNames = [
        "id", "user_id", "created_at", "last_used_at", "expires_at", "revoked_at", "user_agent", "ip_address", "second_factor_at",
        "sign_in_provider",
    ]
    static let columns = columnNames.joined(separator: ", ")

    static func session(_ row: SQLRow) throws -> AuthSession {
        AuthSession(
            id: try row.id("id"), userID: try row.id("user_id"), createdAt: try row.date("created_at"),
            lastUsedAt: try row.date("last_used_at"), expiresAt: try row.date("expires_at"), revokedAt: try row.optionalDate("revoked_at"),
            userAgent: try row.optionalString("user_agent"), ipAddress: try row.optionalString("ip_address"),
            secondFactorAt: try row.optionalDate("second_factor_at"), signInProvider: try row.optionalString("sign_in_provider"))
    }

    func create(_ session: AuthSession, refreshTokenHash: String) async throws {
        try await db.transaction { tx in
            try await tx.query(
                "INSERT INTO auth_sessions (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    .id(session.id), .id(session.userID), .date(session.createdAt), .date(session.lastUsedAt), .date(session.expiresAt),
                    .date(session.revokedAt), .text(session.userAgent), .text(session.ipAddress), .date(session.secondFactorAt),
                    .text(session.signInProvider),
                ])
            try await tx.query(
                "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES (?, ?, ?)",
                [.text(refreshTokenHash), .id(session.id), .date(session.createdAt)])
        }
    }

    func find(id: SessionID) async throws -> AuthSession? {
        try await db.query("SELECT \(Self.columns) FROM auth_sessions WHERE id = ?", [.id(id)]).first.map(Self.session)
    }

    func findWithUser(id: SessionID) async throws -> (session: AuthSession, user: User)? {
        let rows = try await db.query(
            """
            SELECT \(columnList(Self.columnNames, of: "s")), \(columnList(SQLUserStore.columnNames, of: "u", prefixed: "u_"))
            FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?
            """, [.id(id)])
        return try rows.first.map { (try Self.session($0), try SQLUserStore.user($0, prefix: "u_")) }
    }

    func listActive(userID: UserID, now: Date) async throws -> [AuthSession] {
        try await db.query(
            "SELECT \(Self.columns) FROM auth_sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC, id LIMIT 200",
            [.id(userID), .date(now)]
        ).map(Self.session)
    }

    func rotate(presentedHash: String, replacementHash: String, now: Date, newExpiry: Date) async throws -> RefreshOutcome {
        try await db.transaction { tx in
            // Spend the token only if it is unspent: the conditional UPDATE is the atomic step, so two
            // concurrent refreshes with one token cannot both succeed.
            let spent = try await tx.query(
                "UPDATE refresh_tokens SET spent_at = ? WHERE token_hash = ? AND spent_at IS NULL RETURNING session_id",
                [.date(now), .text(presentedHash)])
            guard let row = spent.first else {
                guard let known = try await tx.query("SELECT session_id FROM refresh_tokens WHERE token_hash = ?", [.text(presentedHash)]).first
                else {
                    return .invalid
                }
                let sessionID: SessionID = try known.id("session_id")
                try await tx.query("UPDATE auth_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [.date(now), .id(sessionID)])
                try await Self.removeDevices(ofSession: sessionID, in: tx)
                return .reused(sessionID)
            }
            let sessionID: SessionID = try row.id("session_id")
            guard
                var session = try await tx.query("SELECT \(Self.columns) FROM auth_sessions WHERE id = ?", [.id(sessionID)]).first.map(Self.session),
                session.isActive(at: now)
            else { return .invalid }
            try await tx.query(
                "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES (?, ?, ?)",
                [.text(replacementHash), .id(sessionID), .date(now)])
            try await tx.query(
                "UPDATE auth_sessions SET last_used_at = ?, expires_at = ? WHERE id = ?", [.date(now), .date(newExpiry), .id(sessionID)])
            session.lastUsedAt = now
            session.expiresAt = newExpiry
            return .rotated(session)
        }
    }

    func revoke(id: SessionID, userID: UserID, at: Date) async throws -> Bool {
        try await db.transaction { tx in
            let revoked =
                !(try await tx.query(
                    "UPDATE auth_sessions SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL AND expires_at > ? RETURNING id",
                    [.date(at), .id(id), .id(userID), .date(at)]
                ).isEmpty)
            if revoked { try await Self.removeDevices(ofSession: id, in: tx) }
            return revoked
        }
    }

    func revokeAll(userID: UserID, except keeping: SessionID?, at: Date) async throws {
        try await db.transaction { tx in
            try await tx.query(
                "UPDATE auth_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id <> ?",
                [.date(at), .id(userID), .text(keeping?.rawValue ?? "")])
            try await tx.query("DELETE FROM devices WHERE user_id = ? AND session_id <> ?", [.id(userID), .text(keeping?.rawValue ?? "")])
        }
    }

    func markSecondFactor(id: SessionID, at: Date) async throws {
        try await db.query("UPDATE auth_sessions SET second_factor_at = ? WHERE id = ? AND second_factor_at IS NULL", [.date(at), .id(id)])
    }

    /// A device follows its session: when the session ends, nothing more is pushed to it.
    private static func removeDevices(ofSession id: SessionID, in tx: any SQLExecutor) async throws {
        try await tx.query("DELETE FROM devices WHERE session_id = ?", [.id(id)])
    }
}

struct SQLPasswordResetStore: PasswordResetStore {
    let db: any SQLDatabase

    func create(tokenHash: String, userID: UserID, expiresAt: Date) async throws {
        try await db.query(
            "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES (?, ?, ?)", [.text(tokenHash), .id(userID), .date(expiresAt)])
    }

    func consume(tokenHash: String, now: Date) async throws -> UserID? {
        try await db.transaction { tx in
            guard
                let userID: UserID = try await tx.query(
                    "UPDATE password_resets SET spent_at = ? WHERE token_hash = ? AND spent_at IS NULL AND expires_at > ? RETURNING user_id",
                    [.date(now), .text(tokenHash), .date(now)]
                ).first.map({ try $0.id("user_id") })
            else { return nil }
            try await tx.query("UPDATE password_resets SET spent_at = ? WHERE user_id = ? AND spent_at IS NULL", [.date(now), .id(userID)])
            return userID
        }
    }
}
