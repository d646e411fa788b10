import Foundation

/// Where an account's second factor stands, as its owner sees it.
public struct TwoFactorStatus: Sendable, Equatable {
    /// When a code confirmed the enrolment; nil while two-factor sign-in is off.
    public let enabledAt: Date?
    /// An enrolment started and not yet confirmed.
    public let pending: Bool
    /// Recovery codes not spent yet (none while off).
    public let recoveryCodesLeft: Int
    /// Whether the calling session proved a second factor.
    public let sessionVerified: Bool
}

/// A new authenticator-app secret, to show once for the app to read.
public struct TotpEnrolment: Sendable {
    /// The secret in base32, for typing into the app.
    public let secret: String
    /// The `otpauth://` URI, for a QR code.
    public let provisioningURI: String
    /// The parameters the app is to use.
    public let totp: TimeBasedOneTimePassword
}

/// The answer a login's second step takes: a code from the app, or a recovery code.
public enum SecondFactorProof: Sendable, Equatable {
    case code(String)
    case recoveryCode(String)
}
