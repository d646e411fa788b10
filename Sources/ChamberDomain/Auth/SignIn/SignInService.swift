import Foundation

/// Signing in with an OpenID Connect provider (the authorization code flow with PKCE, `state` and `nonce`), and
/// linking providers to an account.
///
/// A start keeps what the member's return must match (the state's hash, the nonce, the PKCE verifier, the redirect
/// address) for ten minutes; the return takes it once. The account is the one the provider's identity is linked to,
/// or the one with the provider's verified e-mail address (then linked), or a new one without a password.
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

    /// Where to send the member to sign in; `linking` is the signed-in member adding the provider to their account.
    public func start(
        provider id: String, redirectURI: String, linking: Identity? = nil
    ) async throws -> (url: String, state: String, expiresAt: Date) {
        let provider = try provider(id)
        guard provider.redirectURIs.contains(redirectURI) else {
            throw ChamberError(.validationFailed, "redirect_uri is not one this provider is configured to return to", field: "redirect_uri")
        }
        let (state, nonce, verifier) = (vault.newSecret(), vault.newSecret(), vault.newSecret())
        let expiresAt = now().addingTimeInterval(Self.requestLifetime)
        let url = try await client.authorizationURL(of: provider, state: state, nonce: nonce, codeVerifier: verifier, redirectURI: redirectURI)
        try await store.signIn.insert(
            SignInRequest(
                stateHash: vault.digest(state), provider: provider.id, nonce: nonce, codeVerifier: verifier, redirectURI: redirectURI,
                linkingUserID: linking?.user.id, expiresAt: expiresAt))
        return (url, state, expiresAt)
    }

    /// The member's return from the provider with `code` and `state`: signs them in.
    /// - Throws: `sign_in_state_invalid`, `sign_in_token_invalid`, `sign_in_email_unverified`.
    public func finish(provider id: String, state: String, code: String, client info: ClientInfo) async throws -> LoginOutcome {
        let (_, identity) = try await redeem(provider: id, state: state, code: code, linking: nil)
        if let linked = try await store.signIn.linked(provider: identity.provider, subject: identity.subject),
            let user = try await store.users.find(id: linked.userID)
        {
            return try await accounts.signedIn(user, client: info)
        }
        // Only an address the provider vouches for may find or make an account: otherwise anyone could claim one.
        guard identity.emailVerified, let rawEmail = identity.email, let email = try? Validate.email(rawEmail) else {
            throw ChamberError(.signInEmailUnverified, "the provider did not vouch for an e-mail address; sign in with your password and link it")
        }
        let user: User
        if let existing = try await store.users.find(email: email) {
            user = existing
        } else {
            let name = (try? Validate.name(identity.name ?? "", field: "name", maxLength: 80)) ?? String(email.prefix { $0 != "@" })
            user = User(id: .generate(), email: email, displayName: name, isPlatformAdmin: false, createdAt: now())
            try await store.users.insert(user, passwordHash: NoPassword.hash)
        }
        try await store.signIn.link(
            LinkedIdentity(userID: user.id, provider: identity.provider, subject: identity.subject, email: email, linkedAt: now()))
        return try await accounts.signedIn(user, client: info)
    }

    /// The signed-in member's return from linking a provider. - Throws: `sign_in_identity_taken` when the provider's
    /// identity is another account's.
    public func finishLink(_ caller: Identity, provider id: String, state: String, code: String) async throws -> LinkedIdentity {
        let (_, identity) = try await redeem(provider: id, state: state, code: code, linking: caller.user.id)
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
    private func redeem(provider id: String, state: String, code: String, linking: UserID?) async throws -> (SignInRequest, ExternalIdentity) {
        let provider = try provider(id)
        guard !state.isEmpty, state.count <= 256, let request = try await store.signIn.take(stateHash: vault.digest(state), at: now()),
            request.provider == provider.id, request.linkingUserID == linking
        else { throw ChamberError(.signInStateInvalid, "this sign-in was not started here, was finished already, or took too long; start again") }
        guard !code.isEmpty, code.count <= 2048 else { throw ChamberError(.validationFailed, "code is missing", field: "code") }
        let identity = try await client.redeem(
            code: code, codeVerifier: request.codeVerifier, redirectURI: request.redirectURI, nonce: request.nonce, provider: provider)
        return (request, identity)
    }

    private func provider(_ id: String) throws(ChamberError) -> SignInProvider {
        guard let provider = providers.first(where: { $0.id == id }) else {
            throw ChamberError(.signInProviderNotFound, "no sign-in provider '\(id)' is configured")
        }
        return provider
    }
}
