import ChamberDomain
import Foundation
import HTTPTypes
import Hummingbird

/// `/v1/chambers/{chamberId}/api-keys`: admins make, list and revoke the chamber's keys for its other tools.
struct ApiKeyRoutes {
    let services: ChamberServices

    func register(on router: Router<AppRequestContext>) {
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))
        let apiKeys = services.apiKeys

        chamber.post("api-keys") { request, context in
            let body = try await APIJSON.decode(CreateApiKeyRequest.self, from: request, context: context)
            let (key, secret) = try await apiKeys.create(
                try context.access(),
                .init(name: body.name, scopes: body.scopes, allowedAddresses: body.allowedAddresses ?? [], expiresAt: body.expiresAt))
            return JSONResponse(.created, ApiKeyBody(key, secret: secret))
        }
        chamber.get("api-keys") { _, context in
            JSONResponse(.ok, ListBody(items: try await apiKeys.list(try context.access()).map { ApiKeyBody($0, secret: nil) }))
        }
        chamber.delete("api-keys/{apiKeyId}") { request, context in
            try await apiKeys.revoke(try context.access(), id: try request.id("apiKeyId", context: context))
            return Response(status: .noContent)
        }
    }
}

struct CreateApiKeyRequest: Decodable {
    let name: String
    let scopes: [String]
    let allowedAddresses: [String]?
    let expiresAt: Date?
}

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
