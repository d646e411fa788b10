import ChamberDomain
import Foundation

/// Sign-ins under way and linked identities; neither belongs to a chamber.
struct SQLSignInStore: SignInStore {
    let db: any SQLDatabase

    func insert(_ request: SignInRequest, now: Date) async throws {
        // Requests nobody came back for are cleared as new ones arrive (the index on expiry keeps it a range delete).
        try await db.query("DELETE FROM sign_in_requests WHERE expires_at < ?", [.date(now)])
        try await db.query(
            """
            INSERT INTO sign_in_requests (state_hash, binding_hash, provider, nonce, code_verifier, redirect_uri, user_id, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(request.stateHash), .text(request.bindingHash), .text(request.provider), .text(request.nonce), .text(request.codeVerifier),
                .text(request.redirectURI),
                .id(request.linkingUserID), .date(request.expiresAt),
            ])
    }

    func take(stateHash: String, at: Date) async throws -> SignInRequest? {
        // Deleted as it is read: of two returns with the same state, one gets the row.
        guard
            let row = try await db.query(
                "DELETE FROM sign_in_requests WHERE state_hash = ? RETURNING binding_hash, provider, nonce, code_verifier, redirect_uri, user_id, expires_at",
                [.text(stateHash)]
            ).first
        else { return nil }
        let request = SignInRequest(
            stateHash: stateHash, bindingHash: try row.string("binding_hash"), provider: try row.string("provider"), nonce: try row.string("nonce"),
            codeVerifier: try row.string("code_verifier"), redirectURI: try row.string("redirect_uri"),
            linkingUserID: try row.optionalString("user_id").map(UserID.init), expiresAt: try row.date("expires_at"))
        return request.expiresAt > at ? request : nil
    }

    static func identity(_ row: SQLRow) throws -> LinkedIdentity {
        LinkedIdentity(
            userID: try row.id("user_id"), provider: try row.string("provider"), subject: try row.string("subject"),
            email: try row.optionalString("email"), linkedAt: try row.date("linked_at"))
    }

    func linked(provider: String, subject: String) async throws -> LinkedIdentity? {
        try await db.query(
            "SELECT user_id, provider, subject, email, linked_at FROM linked_identities WHERE provider = ? AND subject = ?",
            [.text(provider), .text(subject)]
        ).first.map(Self.identity)
    }

    func link(_ identity: LinkedIdentity) async throws {
        do {
            try await db.query(
                "INSERT INTO linked_identities (provider, subject, user_id, email, linked_at) VALUES (?, ?, ?, ?, ?)",
                [.text(identity.provider), .text(identity.subject), .id(identity.userID), .text(identity.email), .date(identity.linkedAt)])
        } catch StorageError.uniqueViolation {
            throw ChamberError(
                .signInIdentityTaken, "this \(identity.provider) account is linked already, or the account has another \(identity.provider) account")
        }
    }

    func identities(of user: UserID) async throws -> [LinkedIdentity] {
        try await db.query(
            "SELECT user_id, provider, subject, email, linked_at FROM linked_identities WHERE user_id = ? ORDER BY linked_at", [.id(user)]
        ).map(Self.identity)
    }

    func unlink(user: UserID, provider: String) async throws -> Bool {
        try await !db.query("DELETE FROM linked_identities WHERE user_id = ? AND provider = ? RETURNING provider", [.id(user), .text(provider)])
            .isEmpty
    }
}
