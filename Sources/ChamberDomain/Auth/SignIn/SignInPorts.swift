import Foundation

/// Speaks OpenID Connect to providers: discovery, the authorization request, the code's redemption and the ID
/// token's checks (signature by the issuer's published keys, issuer, audience, expiry, nonce).
public protocol OpenIDClient: Sendable {
    /// The address to send the member to: the provider's authorization endpoint with the code flow's parameters and
    /// the S256 challenge of `codeVerifier`.
    func authorizationURL(
        of provider: SignInProvider, state: String, nonce: String, codeVerifier: String, redirectURI: String
    ) async throws -> String
    /// Redeems `code` and checks the ID token it brings. - Throws: `sign_in_token_invalid` naming the check that
    /// failed; `sign_in_provider_unavailable` when the provider cannot be reached.
    func redeem(code: String, codeVerifier: String, redirectURI: String, nonce: String, provider: SignInProvider) async throws -> ExternalIdentity
}

/// Sign-ins under way, and providers' identities linked to accounts.
public protocol SignInStore: Sendable {
    /// Keeps a request, and forgets those expired by `now`.
    func insert(_ request: SignInRequest, now: Date) async throws
    /// Takes the request of a state: once, and only before it expires.
    func take(stateHash: String, at: Date) async throws -> SignInRequest?
    func linked(provider: String, subject: String) async throws -> LinkedIdentity?
    /// Links an identity. - Throws: `sign_in_identity_taken` when it is linked to an account already, or the
    /// account has one of that provider.
    func link(_ identity: LinkedIdentity) async throws
    func identities(of user: UserID) async throws -> [LinkedIdentity]
    /// False when the account had none of that provider.
    func unlink(user: UserID, provider: String) async throws -> Bool
}
