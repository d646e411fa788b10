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
            // Strict: a misspelt `allowed_addresses` or `expires_at` must not make a key without its limits.
            let body = try StrictObject(try await APIJSON.decode(JSONValue.self, from: request, context: context), at: "")
            try body.allow(["name", "scopes", "allowed_addresses", "expires_at"])
            let draft = ApiKeyService.Draft(
                name: try body.string("name"), scopes: try body.optionalStrings("scopes") ?? [],
                allowedAddresses: try body.optionalStrings("allowed_addresses") ?? [], expiresAt: try body.optionalDate("expires_at"))
            let (key, secret) = try await apiKeys.create(try context.access(), draft)
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
