import Foundation

/// A signed-in device or browser. Access tokens name their session, so revoking it ends them at once.
public struct AuthSession: Sendable, Equatable, Codable {
    public let id: SessionID
    public let userID: UserID
    public let createdAt: Date
    public var lastUsedAt: Date
    /// When the session ends unless refreshed before.
    public var expiresAt: Date
    public var revokedAt: Date?
    public let userAgent: String?
    public let ipAddress: String?
    /// When the session proved a second factor (at login, or by confirming an enrolment); nil when it did not.
    public var secondFactorAt: Date?
    /// The OpenID Connect provider the session signed in through; nil for a password.
    public let signInProvider: String?

    public init(
        id: SessionID, userID: UserID, createdAt: Date, lastUsedAt: Date, expiresAt: Date, revokedAt: Date? = nil, userAgent: String?,
        ipAddress: String?, secondFactorAt: Date? = nil, signInProvider: String? = nil
    ) {
        self.signInProvider = signInProvider
        self.secondFactorAt = secondFactorAt
        self.id = id
        self.userID = userID
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.userAgent = userAgent
        self.ipAddress = ipAddress
    }

    public func isActive(at now: Date) -> Bool { revokedAt == nil && now < expiresAt }
}
