import Foundation

/// Two-factor sign-in by an authenticator app (TOTP, RFC 6238), with recovery codes.
///
/// A code is accepted once: the newest accepted step is stored, and a code of that step or an earlier one is refused,
/// by a conditional write that two nodes cannot both win. Wrong codes count against the account like wrong passwords.
extension AccountService {
    /// How long a login waits for its second step, and how many wrong answers it takes.
    static let challengeLifetime: TimeInterval = 5 * 60
    static let challengeAttempts = 5
    static let recoveryCodeCount = 10
    static let issuer = "ChamberConnect"

    public func twoFactorStatus(_ identity: Identity) async throws -> TwoFactorStatus {
        let record = try await store.twoFactor.find(userID: identity.user.id)
        let left = record?.enabledAt == nil ? 0 : try await store.twoFactor.recoveryCodesLeft(userID: identity.user.id)
        return TwoFactorStatus(
            enabledAt: record?.enabledAt, pending: record != nil && record?.enabledAt == nil, recoveryCodesLeft: left,
            sessionVerified: identity.secondFactor)
    }

    /// Makes a new secret after checking the password; logins ask for codes once a code confirms it.
    public func enrolTotp(_ identity: Identity, password: String) async throws -> TotpEnrolment {
        try await checkPassword(identity, password, field: "password")
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let sealed = try cipher.seal(secret, context: SealingContext.twoFactorSecret(identity.user.id))
        guard try await store.twoFactor.startEnrolment(userID: identity.user.id, sealedSecret: sealed, at: now()) else {
            throw ChamberError(.twoFactorAlreadyEnabled, "two-factor sign-in is on already; turn it off first to enrol another app")
        }
        let totp = TimeBasedOneTimePassword(secret: secret)
        return TotpEnrolment(
            secret: Base32.encode(secret), provisioningURI: totp.provisioningURI(issuer: Self.issuer, account: identity.user.email), totp: totp)
    }

    /// Turns two-factor sign-in on with a code of the new secret; answers the recovery codes, shown this once. The
    /// calling session counts as proved by a second factor from now on.
    public func confirmTotp(_ identity: Identity, code: String) async throws -> [String] {
        let userID = identity.user.id
        guard let record = try await store.twoFactor.find(userID: userID) else {
            throw ChamberError(.twoFactorNotEnrolled, "no enrolment to confirm: start one with POST /v1/auth/two-factor/totp")
        }
        guard record.enabledAt == nil else { throw ChamberError(.twoFactorAlreadyEnabled, "two-factor sign-in is on already") }
        let step = try await checkedStep(code, of: record)
        let codes = Self.newRecoveryCodes()
        guard
            try await store.twoFactor.confirm(
                userID: userID, sealedSecret: record.sealedSecret, step: step,
                recoveryCodeHashes: codes.map { recoveryHash(Self.normalizedRecoveryCode($0)) }, at: now())
        else {
            throw ChamberError(.twoFactorNotEnrolled, "the enrolment changed meanwhile: start again", field: "code")
        }
        try await store.twoFactor.clearAttempts(userID: userID)
        try await store.sessions.markSecondFactor(id: identity.sessionID, at: now())
        return codes
    }

    /// Replaces the recovery codes after checking a current code.
    public func renewRecoveryCodes(_ identity: Identity, code: String) async throws -> [String] {
        let userID = identity.user.id
        let record = try await enabledRecord(userID)
        let step = try await checkedStep(code, of: record)
        let codes = Self.newRecoveryCodes()
        guard
            try await store.twoFactor.renewRecoveryCodes(
                userID: userID, step: step, hashes: codes.map { recoveryHash(Self.normalizedRecoveryCode($0)) }, at: now())
        else { throw Self.codeInvalid }
        try await store.twoFactor.clearAttempts(userID: userID)
        return codes
    }

    /// Turns two-factor sign-in off after checking the password and a second factor.
    public func disableTwoFactor(_ identity: Identity, password: String, proof: SecondFactorProof) async throws {
        let userID = identity.user.id
        let record = try await enabledRecord(userID)
        try await checkPassword(identity, password, field: "password")
        try await prove(proof, for: record)
        try await store.twoFactor.disable(userID: userID)
    }

    /// The second step of a login: a right answer opens a session proved by a second factor and ends the challenge.
    public func finishLogin(challengeToken: String, proof: SecondFactorProof, client: ClientInfo) async throws -> TokenGrant {
        let invalid = ChamberError(.twoFactorChallengeInvalid, "this sign-in expired or ended: sign in again with the password")
        guard !challengeToken.isEmpty, challengeToken.count <= 256 else { throw invalid }
        let tokenHash = vault.digest(challengeToken)
        guard let challenge = try await store.twoFactor.findChallenge(tokenHash: tokenHash, now: now()),
            let record = try await store.twoFactor.find(userID: challenge.userID), record.enabledAt != nil,
            let user = try await store.users.find(id: challenge.userID)
        else { throw invalid }
        do {
            try await prove(proof, for: record)
        } catch let error as ChamberError where error.code == .twoFactorCodeInvalid {
            try await store.twoFactor.recordChallengeFailure(tokenHash: tokenHash, limit: Self.challengeAttempts)
            throw error
        }
        guard try await store.twoFactor.finishChallenge(tokenHash: tokenHash) else { throw invalid }
        return try await openSession(for: user, client: client, secondFactor: true, provider: challenge.signInProvider)
    }

    // MARK: Steps

    func startSecondFactorChallenge(for userID: UserID, provider: String?) async throws -> (token: String, expiresAt: Date) {
        let token = vault.newSecret()
        let expiresAt = now().addingTimeInterval(Self.challengeLifetime)
        try await store.twoFactor.createChallenge(tokenHash: vault.digest(token), userID: userID, expiresAt: expiresAt, signInProvider: provider)
        return (token, expiresAt)
    }

    /// Checks a code (used once) or a recovery code (spent). Every attempt is counted before it is checked, and the
    /// count cleared by a right one: at most `maxFailuresPerAccount` wrong ones per `loginWindow`, on every node.
    private func prove(_ proof: SecondFactorProof, for record: TwoFactorRecord) async throws {
        let userID = record.userID
        switch proof {
        case .code(let code):
            let step = try await checkedStep(code, of: record)
            guard try await store.twoFactor.use(userID: userID, step: step) else { throw Self.codeInvalid }
        case .recoveryCode(let code):
            try await reserveAttempt(userID)
            let normalized = Self.normalizedRecoveryCode(code)
            guard normalized.count == 16, try await store.twoFactor.spendRecoveryCode(userID: userID, hash: recoveryHash(normalized), at: now())
            else { throw Self.codeInvalid }
        }
        try await store.twoFactor.clearAttempts(userID: userID)
    }

    /// The step of a right code of the record's secret, counted as an attempt; `two_factor_code_invalid` when wrong.
    /// Steps at or before the last one used are refused here already (the store checks again, atomically).
    private func checkedStep(_ code: String, of record: TwoFactorRecord) async throws -> Int64 {
        let secret = try cipher.open(record.sealedSecret, context: SealingContext.twoFactorSecret(record.userID))
        try await reserveAttempt(record.userID)
        guard let step = TimeBasedOneTimePassword(secret: secret).matchingStep(of: code, at: now(), using: authenticator),
            step > record.lastStep
        else { throw Self.codeInvalid }
        return step
    }

    private func reserveAttempt(_ userID: UserID) async throws {
        let at = now()
        if let until = try await store.twoFactor.reserveAttempt(
            userID: userID, at: at, window: configuration.loginWindow, limit: configuration.maxFailuresPerAccount)
        {
            let wait = max(1, Int(until.timeIntervalSince(at).rounded(.up)))
            throw ChamberError(.rateLimited, "too many wrong codes; try again in \(wait) seconds", retryAfterSeconds: wait)
        }
    }

    private func enabledRecord(_ userID: UserID) async throws -> TwoFactorRecord {
        guard let record = try await store.twoFactor.find(userID: userID), record.enabledAt != nil else {
            throw ChamberError(.twoFactorNotEnabled, "two-factor sign-in is not on for this account")
        }
        return record
    }

    private func recoveryHash(_ normalizedCode: String) -> String { vault.digest("recovery-code:\(normalizedCode)") }

    private static let codeInvalid = ChamberError(.twoFactorCodeInvalid, "the code is wrong, expired, or was used already", field: "code")

    /// Ten codes of 80 random bits each, written `xxxx-xxxx-xxxx-xxxx` in lowercase base32.
    static func newRecoveryCodes() -> [String] {
        var generator = SystemRandomNumberGenerator()
        return (0..<recoveryCodeCount).map { _ in
            let letters = Array(Base32.encode((0..<10).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).lowercased())
            return stride(from: 0, to: 16, by: 4).map { String(letters[$0..<$0 + 4]) }.joined(separator: "-")
        }
    }

    /// A recovery code as typed (any case, with or without dashes and spaces), as it was issued without its dashes.
    static func normalizedRecoveryCode(_ typed: String) -> String {
        String(typed.lowercased().filter { $0 != "-" && !$0.isWhitespace })
    }
}
