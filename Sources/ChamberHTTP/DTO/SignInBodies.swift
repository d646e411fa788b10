import ChamberDomain
import Foundation

/// A sign-in provider as the sign-in page lists it.
struct SignInProviderBody: Encodable {
    let id: String
    let name: String
}

/// `POST …/start`: where the provider sends the member back.
struct SignInStartRequest: Decodable {
    let redirectUri: String
}

/// Where to send the member, and the state their return must carry.
struct SignInStartBody: Encodable {
    let authorizationUrl: String
    let state: String
    let expiresAt: Date
}

/// `POST …/finish`: what the provider sent the member back with.
struct SignInFinishRequest: Decodable {
    let state: String
    let code: String
}

/// A provider linked to the caller's account.
struct LinkedIdentityBody: Encodable {
    let provider: String
    let email: String?
    let linkedAt: Date

    init(_ identity: LinkedIdentity) {
        provider = identity.provider
        email = identity.email
        linkedAt = identity.linkedAt
    }
}
