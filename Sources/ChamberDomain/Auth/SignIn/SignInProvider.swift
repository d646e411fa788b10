import Foundation

/// An OpenID Connect provider members may sign in with (Google, Microsoft Entra, a chamber's own), as configured.
public struct SignInProvider: Sendable, Equatable {
    /// The short name in routes (`google`).
    public let id: String
    /// What the sign-in button says (`Google`).
    public let name: String
    /// The issuer URL its discovery document is under (`https://accounts.google.com`).
    public let issuer: String
    public let clientID: String
    public let clientSecret: String
    /// Where the provider may send members back to: a start naming another is refused, so a code is never handed to
    /// an address the chamber does not own.
    public let redirectURIs: [String]
    public let scopes: [String]

    /// Whether `id` can name a provider: 1 to 40 lowercase letters, digits and dashes (it goes in routes and settings).
    public static func isValidID(_ id: String) -> Bool {
        id.range(of: "^[a-z0-9-]{1,40}$", options: .regularExpression) != nil
    }

    public init(
        id: String, name: String, issuer: String, clientID: String, clientSecret: String, redirectURIs: [String],
        scopes: [String] = ["openid", "email", "profile"]
    ) {
        self.id = id
        self.name = name
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.redirectURIs = redirectURIs
        self.scopes = scopes
    }
}

/// Who a provider says signed in, from an ID token whose signature, issuer, audience, expiry and nonce were checked.
public struct ExternalIdentity: Sendable, Equatable {
    public let provider: String
    /// The provider's stable id of the person (`sub`).
    public let subject: String
    public let email: String?
    public let emailVerified: Bool
    public let name: String?

    public init(provider: String, subject: String, email: String?, emailVerified: Bool, name: String?) {
        self.provider = provider
        self.subject = subject
        self.email = email
        self.emailVerified = emailVerified
        self.name = name
    }
}

/// A sign-in under way: what the start chose, kept until the member comes back with a code (or for ten minutes).
public struct SignInRequest: Sendable, Equatable {
    /// The hash of the `state` handed out; the state itself is not kept.
    public let stateHash: String
    /// The hash of the binding handed to the client that started (never put in the provider's URL): a return must
    /// bring it, so a code and state from someone else's start cannot sign this client in (login CSRF).
    public let bindingHash: String
    public let provider: String
    public let nonce: String
    /// The PKCE verifier whose S256 challenge went to the provider.
    public let codeVerifier: String
    public let redirectURI: String
    /// The signed-in member linking a provider to their account; nil for signing in.
    public let linkingUserID: UserID?
    public let expiresAt: Date

    public init(
        stateHash: String, bindingHash: String, provider: String, nonce: String, codeVerifier: String, redirectURI: String,
        linkingUserID: UserID?, expiresAt: Date
    ) {
        self.stateHash = stateHash
        self.bindingHash = bindingHash
        self.provider = provider
        self.nonce = nonce
        self.codeVerifier = codeVerifier
        self.redirectURI = redirectURI
        self.linkingUserID = linkingUserID
        self.expiresAt = expiresAt
    }
}

/// A provider's identity linked to an account: signing in with it signs in as the account.
public struct LinkedIdentity: Sendable, Equatable {
    public let userID: UserID
    public let provider: String
    public let subject: String
    /// The address the provider gave when it was linked.
    public let email: String?
    public let linkedAt: Date

    public init(userID: UserID, provider: String, subject: String, email: String?, linkedAt: Date) {
        self.userID = userID
        self.provider = provider
        self.subject = subject
        self.email = email
        self.linkedAt = linkedAt
    }
}
