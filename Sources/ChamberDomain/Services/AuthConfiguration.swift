import Foundation

/// Lifetimes and limits of authentication.
public struct AuthConfiguration: Sendable {
    /// An account takes this many times `maxFailuresPerAccount` failures from all addresses together.
    public static let everywhereFactor = 10
    /// A client address may ask for this many times `maxResetRequestsPerAccount` reset mails, over e-mails.
    public static let resetAddressFactor = 4

    /// Access tokens are short-lived; refresh tokens renew them.
    public var accessTokenLifetime: TimeInterval
    /// A session ends when its refresh token has not been used for this long.
    public var refreshTokenLifetime: TimeInterval
    public var passwordResetLifetime: TimeInterval
    public var invitationLifetime: TimeInterval
    /// Failed logins allowed per account from one client address in `loginWindow`. From every address together an
    /// account takes ten times as many; past that only addresses it has a session from may try (so a stranger who
    /// knows an admin's e-mail cannot keep the admin out).
    public var maxFailuresPerAccount: Int
    /// Failed logins allowed per client address in `loginWindow`.
    public var maxFailuresPerAddress: Int
    public var loginWindow: TimeInterval
    /// Accounts one client address may register in `loginWindow` (each costs a password hash).
    public var maxRegistrationsPerAddress: Int
    /// Reset mails one account may be sent in `loginWindow` (an address may ask for four times as many, over accounts).
    public var maxResetRequestsPerAccount: Int
    /// Where this server is published (`server.public_url`): mails link to its web app; without it they carry
    /// tokens alone.
    public var webAppURL: String?

    public init(
        accessTokenLifetime: TimeInterval = 15 * 60, refreshTokenLifetime: TimeInterval = 30 * 24 * 3600,
        passwordResetLifetime: TimeInterval = 3600, invitationLifetime: TimeInterval = 14 * 24 * 3600,
        maxFailuresPerAccount: Int = 5, maxFailuresPerAddress: Int = 20, loginWindow: TimeInterval = 15 * 60,
        maxRegistrationsPerAddress: Int = 20, maxResetRequestsPerAccount: Int = 3, webAppURL: String? = nil
    ) {
        self.webAppURL = webAppURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.passwordResetLifetime = passwordResetLifetime
        self.invitationLifetime = invitationLifetime
        self.maxFailuresPerAccount = maxFailuresPerAccount
        self.maxFailuresPerAddress = maxFailuresPerAddress
        self.loginWindow = loginWindow
        self.maxRegistrationsPerAddress = maxRegistrationsPerAddress
        self.maxResetRequestsPerAccount = maxResetRequestsPerAccount
    }
}
