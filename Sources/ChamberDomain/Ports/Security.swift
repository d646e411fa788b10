import Foundation

/// The stored password of an account that has none yet (one an import made): no password matches it, and the
/// person sets one by resetting it.
public enum NoPassword {
    public static let hash = "!"
}

/// Hashes and checks passwords (slow on purpose; implementations keep it off event loops).
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, hash: String) async throws -> Bool
}

/// Mints random secrets and hashes them for storage, so a stolen database holds no usable token.
public protocol SecretVault: Sendable {
    /// A new URL-safe random secret with at least 256 bits of entropy.
    func newSecret() -> String
    /// A one-way, deterministic digest of a secret, used as its lookup key.
    func digest(_ secret: String) -> String
}

/// The claims an access token carries.
public struct AccessClaims: Sendable, Equatable {
    public let userID: UserID
    public let sessionID: SessionID
    public let expiresAt: Date

    public init(userID: UserID, sessionID: SessionID, expiresAt: Date) {
        self.userID = userID
        self.sessionID = sessionID
        self.expiresAt = expiresAt
    }
}

/// Signs and verifies short-lived access tokens.
public protocol AccessTokenIssuer: Sendable {
    func issue(_ claims: AccessClaims) async throws -> String
    /// Verifies signature and expiry; throws `token_invalid` or `token_expired`.
    func verify(_ token: String) async throws -> AccessClaims
}

/// Signs short texts with a key of the server's, so that a link it mails (an unsubscribe link) cannot be forged.
public protocol TextSigner: Sendable {
    /// A URL-safe signature of `text`.
    func signature(of text: String) -> String
}

/// Digests file contents, to record what was stored and spot it again.
public protocol ContentHasher: Sendable {
    /// The lowercase hex SHA-256 of `bytes`.
    func sha256Hex(_ bytes: [UInt8]) -> String
}

/// Sends mail: the server's queues it in the mail outbox, and a worker hands it to the relay (or to the log).
public protocol Mailer: Sendable {
    func send(_ mail: Mail) async throws
}
