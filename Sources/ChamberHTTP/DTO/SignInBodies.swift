import ChamberDomain
import Foundation

/// A sign-in provider as the sign-in page lists it.
struct SignInProviderBody: Encodable {
    let id: String
    let name: String
}

/// `POST …/start`: where the provider sends the member back; for linking, the account's password when it has one.
struct SignInStartRequest: Decodable {
    let redirectUri: String
    let password: String?
}

/// Where to send the member, and the state and binding their return must carry.
struct SignInStartBody: Encodable {
    let authorizationUrl: String
    let state: String
    let binding: String
    let expiresAt: Date

    init(_ started: SignInService.Started) {
        authorizationUrl = started.url
        state = started.state
        binding = started.binding
        expiresAt = started.expiresAt
    }
}

/// `POST …/finish`: what the provider sent the member back with, and the binding the start gave this client.
struct SignInFinishRequest: Decodable {
    let state: String
    let binding: String
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
