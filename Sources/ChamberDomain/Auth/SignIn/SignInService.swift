import Foundation

/// Signing in with an OpenID Connect provider (the authorization code flow with PKCE, `state` and `nonce`), and
/// linking providers to an account.
///
/// A start keeps what the member's return must match (the hashes of the state and of the client's binding, the
/// nonce, the PKCE verifier, the redirect address) for ten minutes; the return takes it once. The account is the one
/// the provider's identity is linked to, or a new one without a password when no account has the provider's verified
/// address; an existing account is joined only by linking, signed in.
public final class SignInService: Sendable {
    private let store: any Store
    private let client: any OpenIDClient
    private let accounts: AccountService
    private let vault: any SecretVault
    /// The configured providers, in the order their buttons show.
    public let providers: [SignInProvider]
    private let now: @Sendable () -> Date

    /// How long a member has between the start and their return.
    public static let requestLifetime: TimeInterval = 600

    public init(
        store: any Store, client: any OpenIDClient, accounts: AccountService, vault: any SecretVault, providers: [SignInProvider],
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.client = client
        self.accounts = accounts
        self.vault = vault
        self.providers = providers
        self.now = now
    }

    /// What a start hands the client: where to send the member, and the state and binding their return must bring.
    public struct Started: Sendable {
        public let url: String
        public let state: String
        /// Kept by the client that started, never sent to the provider.
        public let binding: String
        public let expiresAt: Date
    }

    /// Where to send the member to sign in.
    public func start(provider id: String, redirectURI: String) async throws -> Started {
        try await begin(provider: id, redirectURI: redirectURI, linking: nil)
    }

    /// Where to send the signed-in member to link a provider. The account's password, when it has one, is checked
    /// (throttled as logins are): a stolen access token alone cannot add a lasting way in.
    public func startLink(_ caller: Identity, provider id: String, redirectURI: String, password: String?) async throws -> Started {
        let hasPassword = try await store.users.passwordHash(id: caller.user.id).map { $0 != NoPassword.hash } ?? false
        if hasPassword { try await accounts.checkPassword(caller, password ?? "", field: "password") }
        return try await begin(provider: id, redirectURI: redirectURI, linking: caller.user.id)
    }

    private func begin(provider id: String, redirectURI: String, linking: UserID?) async throws -> Started {
        let provider = try provider(id)
        guard provider.redirectURIs.contains(redirectURI) else {
            throw ChamberError(.validationFailed, "redirect_uri is not one this provider is configured to return to", field: "redirect_uri")
        }
        let (state, binding, nonce, verifier) = (vault.newSecret(), vault.newSecret(), vault.newSecret(), vault.newSecret())
        let expiresAt = now().addingTimeInterval(Self.requestLifetime)
        let url = try await client.authorizationURL(of: provider, state: state, nonce: nonce, codeVerifier: verifier, redirectURI: redirectURI)
        try await store.signIn.insert(
            SignInRequest(
                stateHash: vault.digest(state), bindingHash: vault.digest(binding), provider: provider.id, nonce: nonce, codeVerifier: verifier,
                redirectURI: redirectURI, linkingUserID: linking, expiresAt: expiresAt),
            now: now())
        return Started(url: url, state: state, binding: binding, expiresAt: expiresAt)
    }

    /// The member's return from the provider with `code` and `state`, from the client that started (`binding`): signs
    /// them in to the account the provider's identity is linked to, or to a new one when no account has the address.
    /// An account that has the address already is never joined by its address alone: its owner signs in and links
    /// the provider (`sign_in_account_exists`), so that nobody gets into an account by registering its address first
    /// somewhere.
    /// - Throws: `sign_in_state_invalid`, `sign_in_token_invalid`, `sign_in_email_unverified`, `sign_in_account_exists`.
    public func finish(provider id: String, state: String, binding: String, code: String, client info: ClientInfo) async throws -> LoginOutcome {
        let identity = try await redeem(provider: id, state: state, binding: binding, code: code, linking: nil)
        if let linked = try await store.signIn.linked(provider: identity.provider, subject: identity.subject),
            let user = try await store.users.find(id: linked.userID)
        {
            return try await accounts.signedIn(user, client: info, provider: identity.provider)
        }
        // Only an address the provider vouches for may make an account; an address of non-ASCII letters could fold
        // onto another mailbox's.
        guard identity.emailVerified, let rawEmail = identity.email, rawEmail.unicodeScalars.allSatisfy(\.isASCII),
            let email = try? Validate.email(rawEmail)
        else {
            throw ChamberError(.signInEmailUnverified, "the provider did not vouch for an e-mail address; sign in with your password and link it")
        }
        guard try await store.users.find(email: email) == nil else {
            throw ChamberError(
                .signInAccountExists, "an account with this address exists: sign in to it as before, then link this provider to it")
        }
        let name = (try? Validate.name(identity.name ?? "", field: "name", maxLength: 80)) ?? String(email.prefix { $0 != "@" })
        let user = User(id: .generate(), email: email, displayName: name, isPlatformAdmin: false, createdAt: now())
        do {
            try await store.users.insert(user, passwordHash: NoPassword.hash)
        } catch let error as ChamberError where error.code == .emailTaken {
            throw ChamberError(.signInAccountExists, "an account with this address was just made; sign in again")
        }
        try await store.signIn.link(
            LinkedIdentity(userID: user.id, provider: identity.provider, subject: identity.subject, email: email, linkedAt: now()))
        return try await accounts.signedIn(user, client: info, provider: identity.provider)
    }

    /// The signed-in member's return from linking a provider. - Throws: `sign_in_identity_taken` when the provider's
    /// identity is another account's.
    public func finishLink(_ caller: Identity, provider id: String, state: String, binding: String, code: String) async throws -> LinkedIdentity {
        let identity = try await redeem(provider: id, state: state, binding: binding, code: code, linking: caller.user.id)
        if let linked = try await store.signIn.linked(provider: identity.provider, subject: identity.subject) {
            guard linked.userID == caller.user.id else {
                throw ChamberError(.signInIdentityTaken, "this \(identity.provider) account signs in to another account already")
            }
            return linked
        }
        let link = LinkedIdentity(
            userID: caller.user.id, provider: identity.provider, subject: identity.subject, email: identity.email, linkedAt: now())
        try await store.signIn.link(link)
        return link
    }

    /// The providers linked to the caller's account.
    public func identities(_ caller: Identity) async throws -> [LinkedIdentity] {
        try await store.signIn.identities(of: caller.user.id)
    }

    /// Unlinks a provider, unless it is the account's last way in (no password, no other provider).
    public func unlink(_ caller: Identity, provider: String) async throws {
        let identities = try await store.signIn.identities(of: caller.user.id)
        guard identities.contains(where: { $0.provider == provider }) else {
            throw ChamberError(.signInProviderNotFound, "no \(provider) sign-in is linked to your account")
        }
        let hasPassword = try await store.users.passwordHash(id: caller.user.id).map { $0 != NoPassword.hash } ?? false
        guard hasPassword || identities.count > 1 else {
            throw ChamberError(.lastSignInMethod, "this is your account's only way to sign in; set a password (reset it by e-mail) first")
        }
        _ = try await store.signIn.unlink(user: caller.user.id, provider: provider)
    }

    /// Takes the start's request (once) and redeems the code against it.
    private func redeem(provider id: String, state: String, binding: String, code: String, linking: UserID?) async throws -> ExternalIdentity {
        let provider = try provider(id)
        guard !state.isEmpty, state.count <= 256, binding.count <= 256,
            let request = try await store.signIn.take(stateHash: vault.digest(state), at: now()),
            request.provider == provider.id, request.linkingUserID == linking, ConstantTime.equal(request.bindingHash, vault.digest(binding))
        else { throw ChamberError(.signInStateInvalid, "this sign-in was not started here, was finished already, or took too long; start again") }
        guard !code.isEmpty, code.count <= 2048 else { throw ChamberError(.validationFailed, "code is missing", field: "code") }
        return try await client.redeem(
            code: code, codeVerifier: request.codeVerifier, redirectURI: request.redirectURI, nonce: request.nonce, provider: provider)
    }

    private func provider(_ id: String) throws(ChamberError) -> SignInProvider {
        guard let provider = providers.first(where: { $0.id == id }) else {
            throw ChamberError(.signInProviderNotFound, "no sign-in provider '\(id)' is configured")
        }
        return provider
    }
}
