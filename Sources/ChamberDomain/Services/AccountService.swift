import Foundation
import Synchronization

/// What a successful login or refresh hands the client.
public struct TokenGrant: Sendable {
    public let accessToken: String
    public let accessTokenExpiresAt: Date
    public let refreshToken: String
    public let session: AuthSession
    public let user: User
}

/// Where a request comes from, for sessions and login throttling.
public struct ClientInfo: Sendable {
    /// The address itself, as sessions show it.
    public let address: String?
    /// What the limits per address count: the address, or an IPv6 address's /64 (one holder has all of it).
    public let limitKey: String?
    public let userAgent: String?
    public init(address: String?, userAgent: String?, limitKey: String? = nil) {
        self.address = address
        self.limitKey = limitKey ?? address
        self.userAgent = userAgent.map { String($0.prefix(256)) }
    }
}

/// What a right password leads to: a session, or (an account with two-factor sign-in) the second step.
public enum LoginOutcome: Sendable {
    case signedIn(TokenGrant)
    /// No session yet: the token is to be presented with a code before `expiresAt`.
    case secondFactorRequired(challengeToken: String, expiresAt: Date)
}

/// Accounts and authentication: register, log in, refresh, log out, sessions, passwords, second factors.
public final class AccountService: Sendable {
    let store: any Store
    let hasher: any PasswordHasher
    let vault: any SecretVault
    private let tokens: any AccessTokenIssuer
    private let mailer: any Mailer
    let configuration: AuthConfiguration
    let now: @Sendable () -> Date
    let observer: (any SessionObserver)?
    let cipher: any SecretCipher
    let authenticator: any MessageAuthenticator
    /// Failed logins per account and address together (and a signed-in caller's wrong passwords per account).
    private let accountThrottle: Mutex<LoginThrottle>
    /// Failed logins per address, over accounts.
    private let addressThrottle: Mutex<LoginThrottle>
    /// Failed logins per account from every address.
    private let accountEverywhereThrottle: Mutex<LoginThrottle>
    private let registrationThrottle: Mutex<LoginThrottle>
    /// Reset mails per account (`account:`) and per address (`address:`).
    private let resetThrottle: Mutex<LoginThrottle>
    private let resetAddressThrottle: Mutex<LoginThrottle>
    /// A real bcrypt hash to check against when the email is unknown, so timing does not reveal accounts.
    private let decoyHash: Mutex<String?> = Mutex(nil)

    public init(
        store: any Store, hasher: any PasswordHasher, vault: any SecretVault, tokens: any AccessTokenIssuer, mailer: any Mailer,
        cipher: any SecretCipher, authenticator: any MessageAuthenticator, configuration: AuthConfiguration = .init(),
        observer: (any SessionObserver)? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.observer = observer
        self.cipher = cipher
        self.authenticator = authenticator
        self.store = store
        self.hasher = hasher
        self.vault = vault
        self.tokens = tokens
        self.mailer = mailer
        self.configuration = configuration
        self.now = now
        let window = configuration.loginWindow
        func throttle(_ maxFailures: Int) -> Mutex<LoginThrottle> { Mutex(LoginThrottle(policy: .init(maxFailures: maxFailures, window: window))) }
        self.accountThrottle = throttle(configuration.maxFailuresPerAccount)
        self.addressThrottle = throttle(configuration.maxFailuresPerAddress)
        self.accountEverywhereThrottle = throttle(configuration.maxFailuresPerAccount * AuthConfiguration.everywhereFactor)
        self.registrationThrottle = throttle(configuration.maxRegistrationsPerAddress)
        self.resetThrottle = throttle(configuration.maxResetRequestsPerAccount)
        self.resetAddressThrottle = throttle(configuration.maxResetRequestsPerAccount * AuthConfiguration.resetAddressFactor)
    }

    /// Counts an attempt against `key`, or refuses it with `429 rate_limited` and the seconds to wait.
    private func reserve(_ throttle: borrowing Mutex<LoginThrottle>, _ key: String, _ what: String, at: Date) throws(ChamberError) {
        if let wait = throttle.withLock({ $0.reserve(key, now: at) }) {
            throw ChamberError(.rateLimited, "too many \(what); try again in \(wait) seconds", retryAfterSeconds: wait)
        }
    }

    // MARK: Registration and login

    /// Creates an account. The email must be unused and the password strong enough. A client address registers a
    /// limited number in a window (each costs a password hash); accounts made on the command line are not counted.
    public func register(email rawEmail: String, password: String, displayName rawName: String, client: ClientInfo? = nil) async throws -> User {
        let email = try Validate.email(rawEmail)
        let displayName = try Validate.name(rawName, field: "display_name", maxLength: 80)
        try Validate.password(password, email: email)
        if try await store.users.find(email: email) != nil {
            throw ChamberError(.emailTaken, "an account with this email exists already", field: "email")
        }
        if let address = client?.limitKey { try reserve(registrationThrottle, "address:\(address)", "accounts made from this address", at: now()) }
        let user = User(id: .generate(), email: email, displayName: displayName, isPlatformAdmin: false, createdAt: now())
        try await store.users.insert(user, passwordHash: try await hasher.hash(password))
        return user
    }

    /// Checks credentials and opens a session, or starts the second step when the account has a second factor.
    /// Failed attempts are limited per account from one address, per address, and per account from everywhere;
    /// past the last, only an address the account has a session from may try, so strangers cannot lock it.
    public func login(email rawEmail: String, password: String, client: ClientInfo) async throws -> LoginOutcome {
        let email = try Validate.email(rawEmail)
        let accountKey = "account:\(email)"
        let sourceKey = "account:\(email)|\(client.limitKey ?? "")"
        let addressKey = client.limitKey.map { "address:\($0)" }
        let at = now()
        // Attempts are counted before the (slow) password check, so parallel guesses cannot slip past the limit.
        try reserve(accountThrottle, sourceKey, "failed logins", at: at)
        if let addressKey {
            do {
                try reserve(addressThrottle, addressKey, "failed logins", at: at)
            } catch {
                accountThrottle.withLock { $0.release(sourceKey) }
                throw error
            }
        }
        let everywhereWait = accountEverywhereThrottle.withLock { $0.reserve(accountKey, now: at) }
        let credentials = try await store.users.credentials(email: email)
        if let everywhereWait {
            guard let user = credentials?.user, let address = client.address,
                try await store.sessions.listActive(userID: user.id, now: at).contains(where: { $0.ipAddress == address })
            else {
                accountThrottle.withLock { $0.release(sourceKey) }
                if let addressKey { addressThrottle.withLock { $0.release(addressKey) } }
                throw ChamberError(
                    .rateLimited, "too many failed logins to this account; try again in \(everywhereWait) seconds", retryAfterSeconds: everywhereWait)
            }
        }
        let valid: Bool
        if let credentials, credentials.passwordHash != NoPassword.hash {
            valid = try await hasher.verify(password, hash: credentials.passwordHash)
        } else {
            _ = try await hasher.verify(password, hash: try await decoy())
            valid = false
        }
        guard valid, let user = credentials?.user else {
            throw ChamberError(.invalidCredentials, "email or password is wrong")
        }
        accountThrottle.withLock { $0.reset(sourceKey) }
        if let addressKey { addressThrottle.withLock { $0.release(addressKey) } }
        if everywhereWait == nil { accountEverywhereThrottle.withLock { $0.release(accountKey) } }
        return try await signedIn(user, client: client, provider: nil)
    }

    /// The end of a first step that proved who the user is (a password, or `provider`'s ID token): a session, or the
    /// second step when the account has a second factor.
    func signedIn(_ user: User, client: ClientInfo, provider: String?) async throws -> LoginOutcome {
        if try await store.twoFactor.find(userID: user.id)?.enabledAt != nil {
            let (token, expiresAt) = try await startSecondFactorChallenge(for: user.id, provider: provider)
            return .secondFactorRequired(challengeToken: token, expiresAt: expiresAt)
        }
        return .signedIn(try await openSession(for: user, client: client, provider: provider))
    }

    private func decoy() async throws -> String {
        if let hash = decoyHash.withLock({ $0 }) { return hash }
        let hash = try await hasher.hash(vault.newSecret())
        decoyHash.withLock { $0 = hash }
        return hash
    }

    func openSession(for user: User, client: ClientInfo, secondFactor: Bool = false, provider: String? = nil) async throws -> TokenGrant {
        let at = now()
        let session = AuthSession(
            id: .generate(), userID: user.id, createdAt: at, lastUsedAt: at,
            expiresAt: at.addingTimeInterval(configuration.refreshTokenLifetime),
            userAgent: client.userAgent, ipAddress: client.address, secondFactorAt: secondFactor ? at : nil, signInProvider: provider)
        let refresh = vault.newSecret()
        try await store.sessions.create(session, refreshTokenHash: vault.digest(refresh))
        return try await grant(session: session, user: user, refreshToken: refresh)
    }

    private func grant(session: AuthSession, user: User, refreshToken: String) async throws -> TokenGrant {
        let expiry = now().addingTimeInterval(configuration.accessTokenLifetime)
        let access = try await tokens.issue(AccessClaims(userID: user.id, sessionID: session.id, expiresAt: expiry))
        return TokenGrant(accessToken: access, accessTokenExpiresAt: expiry, refreshToken: refreshToken, session: session, user: user)
    }

    // MARK: Tokens and sessions

    /// Spends a refresh token and returns a new pair. A replayed refresh token revokes its whole session.
    public func refresh(refreshToken: String) async throws -> TokenGrant {
        guard !refreshToken.isEmpty, refreshToken.count <= 256 else {
            throw ChamberError(.refreshTokenInvalid, "refresh token is not valid")
        }
        let replacement = vault.newSecret()
        let at = now()
        let outcome = try await store.sessions.rotate(
            presentedHash: vault.digest(refreshToken), replacementHash: vault.digest(replacement),
            now: at, newExpiry: at.addingTimeInterval(configuration.refreshTokenLifetime))
        switch outcome {
        case .rotated(let session):
            guard let user = try await store.users.find(id: session.userID) else {
                throw ChamberError(.refreshTokenInvalid, "refresh token is not valid")
            }
            return try await grant(session: session, user: user, refreshToken: replacement)
        case .reused(let sessionID):
            if let session = try await store.sessions.find(id: sessionID) {
                await observer?.sessionsRevoked(userID: session.userID, .only([sessionID]))
            }
            throw ChamberError(.refreshTokenReused, "refresh token was already used; the session has been revoked, sign in again")
        case .invalid:
            throw ChamberError(.refreshTokenInvalid, "refresh token is not valid, expired, or its session has ended")
        }
    }

    /// Resolves an access token to its user, checking that its session is still open.
    public func authenticate(accessToken: String) async throws -> Identity {
        let claims = try await tokens.verify(accessToken)
        // An account removed takes its sessions with it: no session, or no user, reads as a session ended.
        guard let (session, user) = try await store.sessions.findWithUser(id: claims.sessionID), session.userID == claims.userID,
            session.isActive(at: now())
        else {
            throw ChamberError(.tokenRevoked, "the session of this token has ended")
        }
        return Identity(
            user: user, sessionID: session.id, tokenExpiresAt: claims.expiresAt, secondFactor: session.secondFactorAt != nil,
            signInProvider: session.signInProvider)
    }

    /// Ends the caller's current session.
    public func logout(_ identity: Identity) async throws {
        _ = try await store.sessions.revoke(id: identity.sessionID, userID: identity.user.id, at: now())
        await observer?.sessionsRevoked(userID: identity.user.id, .only([identity.sessionID]))
    }

    public func sessions(of identity: Identity) async throws -> [AuthSession] {
        try await store.sessions.listActive(userID: identity.user.id, now: now())
    }

    /// Ends one of the caller's own sessions (another device, say).
    public func revokeSession(_ id: SessionID, by identity: Identity) async throws {
        guard try await store.sessions.revoke(id: id, userID: identity.user.id, at: now()) else {
            throw ChamberError(.sessionNotFound, "no active session \(id) for this account")
        }
        await observer?.sessionsRevoked(userID: identity.user.id, .only([id]))
    }

    // MARK: Passwords

    /// Changes the password after checking the current one; every other session is signed out.
    public func changePassword(_ identity: Identity, current: String, new newPassword: String) async throws {
        try Validate.password(newPassword, email: identity.user.email, field: "new_password")
        try await checkPassword(identity, current, field: "current_password")
        try await store.users.updatePasswordHash(id: identity.user.id, hash: try await hasher.hash(newPassword))
        try await store.sessions.revokeAll(userID: identity.user.id, except: identity.sessionID, at: now())
        await observer?.sessionsRevoked(userID: identity.user.id, .allExcept(identity.sessionID))
    }

    /// Checks a signed-in caller's password (before a sensitive change), limited as logins are: the account's wrong
    /// passwords count here too, so a stolen session cannot guess at the password without limit.
    func checkPassword(_ identity: Identity, _ password: String, field: String) async throws {
        let key = "account:\(identity.user.email)"
        let at = now()
        try reserve(accountThrottle, key, "wrong passwords", at: at)
        do {
            try reserve(accountEverywhereThrottle, key, "wrong passwords", at: at)
        } catch {
            accountThrottle.withLock { $0.release(key) }
            throw error
        }
        guard let hash = try await store.users.passwordHash(id: identity.user.id), hash != NoPassword.hash,
            try await hasher.verify(password, hash: hash)
        else { throw ChamberError(.invalidCredentials, "\(field == "password" ? "password" : "current password") is wrong", field: field) }
        accountThrottle.withLock { $0.release(key) }
        accountEverywhereThrottle.withLock { $0.release(key) }
    }

    /// Mails a one-time reset link if the account exists. Answers the same either way, so accounts cannot be probed:
    /// the limits per e-mail and per address count asks for any address, an account or not.
    public func requestPasswordReset(email rawEmail: String, client: ClientInfo? = nil) async throws {
        let email = try Validate.email(rawEmail)
        let at = now()
        try reserve(resetThrottle, "account:\(email)", "password reset requests for this e-mail", at: at)
        if let address = client?.limitKey {
            do {
                try reserve(resetAddressThrottle, "address:\(address)", "password reset requests from this address", at: at)
            } catch {
                resetThrottle.withLock { $0.release("account:\(email)") }
                throw error
            }
        }
        guard let user = try await store.users.find(email: email) else { return }
        let token = vault.newSecret()
        try await store.passwordResets.create(
            tokenHash: vault.digest(token), userID: user.id,
            expiresAt: now().addingTimeInterval(configuration.passwordResetLifetime))
        let minutes = Int(configuration.passwordResetLifetime / 60)
        try await mailer.send(
            Mail(
                kind: .passwordReset, to: user.email, subject: "Reset your ChamberConnect password",
                body:
                    "Someone asked to reset the password of \(user.email).\nReset token: \(token)\nIt works once, for \(minutes) minutes. If it was not you, ignore this mail."
            ))
    }

    /// Sets a new password with a reset token; the token is spent and every session is signed out.
    public func confirmPasswordReset(token: String, newPassword: String) async throws {
        guard !token.isEmpty, token.count <= 256 else { throw ChamberError(.resetTokenInvalid, "reset token is not valid", field: "token") }
        try Validate.password(newPassword, field: "new_password")
        guard let userID = try await store.passwordResets.consume(tokenHash: vault.digest(token), now: now()) else {
            throw ChamberError(.resetTokenInvalid, "reset token is not valid, already used, or expired", field: "token")
        }
        if let user = try await store.users.find(id: userID) { try Validate.password(newPassword, email: user.email, field: "new_password") }
        try await store.users.updatePasswordHash(id: userID, hash: try await hasher.hash(newPassword))
        try await store.sessions.revokeAll(userID: userID, except: nil, at: now())
        await observer?.sessionsRevoked(userID: userID, .allExcept(nil))
    }

    // MARK: Platform administration

    /// Creates a platform administrator, or promotes an existing account (command line only).
    public func ensurePlatformAdmin(email rawEmail: String, password: String, displayName: String) async throws -> User {
        let email = try Validate.email(rawEmail)
        if let existing = try await store.users.find(email: email) {
            try await store.users.setPlatformAdmin(id: existing.id, true)
            var promoted = existing
            promoted.isPlatformAdmin = true
            return promoted
        }
        let user = try await register(email: email, password: password, displayName: displayName)
        try await store.users.setPlatformAdmin(id: user.id, true)
        var promoted = user
        promoted.isPlatformAdmin = true
        return promoted
    }
}
