import Foundation

/// The storage port: the platform-wide stores, and a way into one chamber's data.
///
/// Chamber-owned data is reachable only through ``scoped(to:)``: the scoped store binds the chamber id
/// into every query it runs, so a query that forgets the tenant cannot be written by accident.
public protocol Store: Sendable {
    var users: any UserStore { get }
    var sessions: any SessionStore { get }
    var passwordResets: any PasswordResetStore { get }
    /// Authenticator-app secrets, recovery codes and logins waiting for a second factor.
    var twoFactor: any TwoFactorStore { get }
    /// Chambers' API keys, found by the hash of a presented secret.
    var apiKeys: any ApiKeyStore { get }
    var chambers: any ChamberStore { get }
    var mailOutbox: any MailOutboxStore { get }
    /// Devices that receive push notifications.
    var devices: any DeviceStore { get }
    /// What the notification fan-out reads and records, across chambers.
    var notificationFanout: any NotificationFanoutStore { get }
    /// Pushes waiting to be sent, and what became of those sent, across chambers.
    var pushOutbox: any PushOutboxStore { get }
    /// Notices written with their changes and not yet recorded in the feed, across chambers.
    var noticeOutbox: any NoticeOutboxStore { get }
    /// E-mails owed to members for notifications they have not read, across chambers.
    var notificationEmails: any NotificationEmailStore { get }
    /// Membership applications as their applicants reach them, across chambers.
    var applications: any ApplicantApplicationStore { get }
    /// Records of stored files, found by their unguessable ids (a link to one is signed for its chamber).
    var files: any FileRecordStore { get }
    /// Events with offers, payments or an end due, across chambers.
    var eventUpkeep: any EventUpkeepStore { get }
    /// Card processors' webhook events as received, across chambers.
    var paymentEvents: any PaymentEventStore { get }

    /// Sign-ins with OpenID Connect providers under way, and the providers' identities linked to accounts.
    var signIn: any SignInStore { get }
    /// Members' data export requests as the background workers take them, across chambers.
    var exportQueue: any DataExportQueue { get }
    /// Erasing accounts, across chambers.
    var erasure: any AccountErasureStore { get }

    /// The stores of one chamber. Every read and write through it is confined to `chamber`.
    func scoped(to chamber: ChamberID) -> any ChamberScopedStore

    /// Whether the database answers (for `/ready`).
    func ping() async throws
}

/// Accounts. Emails are unique and stored normalized.
public protocol UserStore: Sendable {
    /// Inserts a user; throws `email_taken` when the email is in use.
    func insert(_ user: User, passwordHash: String) async throws
    func find(id: UserID) async throws -> User?
    /// Those of `ids` that exist, by id, a statement per 500.
    func find(ids: [UserID]) async throws -> [UserID: User]
    func find(email: String) async throws -> User?
    /// The user and their password hash, for login.
    func credentials(email: String) async throws -> (user: User, passwordHash: String)?
    func passwordHash(id: UserID) async throws -> String?
    func updatePasswordHash(id: UserID, hash: String) async throws
    func setPlatformAdmin(id: UserID, _ isAdmin: Bool) async throws
}

/// The result of presenting a refresh token.
public enum RefreshOutcome: Sendable, Equatable {
    /// The token was current: it is now spent and the replacement stored.
    case rotated(AuthSession)
    /// The token was already spent: someone replayed it, so its session has been revoked.
    case reused(SessionID)
    /// Unknown, expired, or its session is over.
    case invalid
}

/// Sign-in sessions and their rotating refresh tokens (stored as hashes only).
public protocol SessionStore: Sendable {
    func create(_ session: AuthSession, refreshTokenHash: String) async throws
    func find(id: SessionID) async throws -> AuthSession?
    /// The session and its user, read together: what authenticating a request needs.
    func findWithUser(id: SessionID) async throws -> (session: AuthSession, user: User)?
    /// The user's sessions that are neither revoked nor expired, newest first.
    func listActive(userID: UserID, now: Date) async throws -> [AuthSession]
    /// Atomically spends `presentedHash` and stores `replacementHash` in its place (extending the session to `newExpiry`).
    /// Presenting an already spent token revokes the session (refresh token reuse detection).
    func rotate(presentedHash: String, replacementHash: String, now: Date, newExpiry: Date) async throws -> RefreshOutcome
    /// Revokes one of the user's sessions; returns false when the user has no such active session.
    func revoke(id: SessionID, userID: UserID, at: Date) async throws -> Bool
    /// Revokes all of the user's sessions except `keeping`.
    func revokeAll(userID: UserID, except keeping: SessionID?, at: Date) async throws
    /// Records that the session proved a second factor (an enrolment confirmed in it).
    func markSecondFactor(id: SessionID, at: Date) async throws
}

/// One-time password reset tokens (hashes only).
public protocol PasswordResetStore: Sendable {
    func create(tokenHash: String, userID: UserID, expiresAt: Date) async throws
    /// Spends the token if it exists, is unspent and unexpired, and with it every other token of its user (a reset
    /// done, older mails must not work); returns its user. Single use.
    func consume(tokenHash: String, now: Date) async throws -> UserID?
}

/// Chambers themselves: the tenant table.
public protocol ChamberStore: Sendable {
    /// Creates the chamber and makes `founder` its admin, in one transaction. Throws `slug_taken`.
    func create(_ chamber: Chamber, founder: Membership) async throws
    func find(id: ChamberID) async throws -> Chamber?
    func find(slug: String) async throws -> Chamber?
    /// The chamber with its directory revision (``DirectoryStore/revision()``), read together: what a directory
    /// search needs before it may use a kept answer.
    func findWithDirectoryRevision(id: ChamberID) async throws -> (chamber: Chamber, directoryRevision: Int64)?
    /// As ``findWithDirectoryRevision(id:)``, for the chamber with this slug (its public directory page).
    func findWithDirectoryRevision(slug: String) async throws -> (chamber: Chamber, directoryRevision: Int64)?
    func update(_ chamber: Chamber) async throws
    func list(page: PageRequest) async throws -> Page<Chamber>
    /// The chambers a user belongs to, with their role in each.
    func memberships(of user: UserID) async throws -> [(chamber: Chamber, role: Role)]
    /// Folds the directory changes noted since the last call into each chamber's directory revision, leaving every
    /// revision as it reads (``DirectoryStore/revision()``). Returns how many changes it folded.
    func compactDirectoryChanges() async throws -> Int
    /// Writes again the search texts of up to `limit` businesses and `limit` people written by an older
    /// ``SearchWords/version`` (rows from before an upgrade), and returns how many it wrote. Safe on several nodes at
    /// once: a row edited since it was read keeps what its edit wrote.
    func reindexSearchTexts(limit: Int) async throws -> Int
}
