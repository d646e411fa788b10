import ChamberDomain
import Foundation

/// An API key as admins see it; its secret only in the answer that made it.
struct ApiKeyBody: Encodable {
    let id: String
    let name: String
    let prefix: String
    /// Only in the answer that made it.
    let secret: String?
    let scopes: [String]
    let allowedAddresses: [String]
    let expiresAt: Date?
    let createdBy: String
    let createdAt: Date
    let lastUsedAt: Date?
    let revokedAt: Date?

    init(_ key: ApiKey, secret: String?) {
        id = key.id.rawValue
        name = key.name
        prefix = key.prefix
        self.secret = secret
        scopes = key.scopes.map(\.rawValue)
        allowedAddresses = key.allowedAddresses.map(\.description)
        expiresAt = key.expiresAt
        createdBy = key.createdBy.rawValue
        createdAt = key.createdAt
        lastUsedAt = key.lastUsedAt
        revokedAt = key.revokedAt
    }
}
