import Foundation

/// An account's authenticator-app secret, as stored.
public struct TwoFactorRecord: Sendable, Equatable {
    public let userID: UserID
    /// The TOTP secret, sealed by the ``SecretCipher`` for this user.
    public let sealedSecret: String
    /// When a code confirmed the enrolment; nil while it waits for one (logins do not ask for a code yet).
    public let enabledAt: Date?
    /// The newest step whose code was accepted: a code of that step or an earlier one is never accepted again.
    public let lastStep: Int64

    public init(userID: UserID, sealedSecret: String, enabledAt: Date?, lastStep: Int64) {
        self.userID = userID
        self.sealedSecret = sealedSecret
        self.enabledAt = enabledAt
        self.lastStep = lastStep
    }
}

/// A login waiting for its second factor: the password was right, no session is open yet.
public struct SecondFactorChallenge: Sendable, Equatable {
    public let userID: UserID
    public let expiresAt: Date
    /// Wrong answers so far.
    public let failures: Int
    /// The provider the first step signed in through; nil for a password.
    public let signInProvider: String?

    public init(userID: UserID, expiresAt: Date, failures: Int, signInProvider: String? = nil) {
        self.signInProvider = signInProvider
        self.userID = userID
        self.expiresAt = expiresAt
        self.failures = failures
    }
}

/// Second factors: secrets, recovery codes (hashes only), pending login challenges (hashes only).
///
/// Each "use" is one conditional write, so two nodes given the same code or recovery code at once accept it once.
public protocol TwoFactorStore: Sendable {
    /// The account's secret, confirmed or waiting for confirmation; nil when it has none.
    func find(userID: UserID) async throws -> TwoFactorRecord?
    /// Stores a new secret awaiting confirmation, replacing an unconfirmed one; false when an enrolment is confirmed.
    func startEnrolment(userID: UserID, sealedSecret: String, at: Date) async throws -> Bool
    /// Confirms the waiting enrolment of `sealedSecret` (not one that replaced it meanwhile) with the step of a code,
    /// and stores its recovery codes; false when there is no such waiting enrolment or that step was used.
    func confirm(userID: UserID, sealedSecret: String, step: Int64, recoveryCodeHashes: [String], at: Date) async throws -> Bool
    /// Counts an attempt at a code before it is checked, so that parallel guesses on any node cannot pass the limit:
    /// at most `limit` in a window that starts at the first counted one. Returns nil when counted, or when the window
    /// ends when the account is over its limit.
    func reserveAttempt(userID: UserID, at: Date, window: TimeInterval, limit: Int) async throws -> Date?
    /// Forgets the counted attempts (a right answer).
    func clearAttempts(userID: UserID) async throws
    /// Records `step` as used when it is newer than every step used; false when it is not (a replayed code).
    func use(userID: UserID, step: Int64) async throws -> Bool
    /// Spends one unspent recovery code; false when it is unknown or spent.
    func spendRecoveryCode(userID: UserID, hash: String, at: Date) async throws -> Bool
    /// Uses `step` and replaces every recovery code, in one transaction; false when the step was used.
    func renewRecoveryCodes(userID: UserID, step: Int64, hashes: [String], at: Date) async throws -> Bool
    /// Recovery codes not spent yet.
    func recoveryCodesLeft(userID: UserID) async throws -> Int
    /// Deletes the secret, the recovery codes and pending logins, and takes the proof of a second factor back from
    /// the account's sessions, in one transaction.
    func disable(userID: UserID) async throws

    /// Stores a login waiting for its second factor (its token's hash only); sweeps long-expired ones.
    func createChallenge(tokenHash: String, userID: UserID, expiresAt: Date, signInProvider: String?) async throws
    /// The waiting login of a token, unless it expired or ended.
    func findChallenge(tokenHash: String, now: Date) async throws -> SecondFactorChallenge?
    /// Counts a wrong answer; deletes the challenge when it reached `limit` wrong answers.
    func recordChallengeFailure(tokenHash: String, limit: Int) async throws
    /// Ends the challenge; false when it had already ended (two right answers raced: one session only).
    func finishChallenge(tokenHash: String) async throws -> Bool
}
