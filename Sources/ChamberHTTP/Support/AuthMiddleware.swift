import ChamberDomain
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Reads `Authorization: Bearer <token>` and records who is calling (or why the token failed).
/// Routes that need a caller ask ``AppRequestContext/identity()``; public routes ignore it.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let accounts: AccountService
    let apiKeys: ApiKeyService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            let token = parts.count == 2 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
            if parts.count == 2, parts[0].lowercased() == "bearer", token.hasPrefix(ApiKeyService.tokenPrefix) {
                do {
                    context.apiKey = .success(try await apiKeys.authenticate(secret: token, address: context.clientAddress?.ipAddress))
                } catch let error as ChamberError {
                    context.apiKey = .failure(error)
                }
            } else if parts.count == 2, parts[0].lowercased() == "bearer" {
                do {
                    context.authentication = .success(
                        try await accounts.authenticate(accessToken: String(parts[1]).trimmingCharacters(in: .whitespaces)))
                } catch let error as ChamberError {
                    context.authentication = .failure(error)
                }
            } else {
                context.authentication = .failure(ChamberError(.tokenInvalid, "Authorization header must be 'Bearer <access token>'"))
            }
        }
        if case .success(let identity) = context.authentication {
            context.logger[metadataKey: "user.id"] = "\(identity.user.id)"
        }
        return try await next(request, context)
    }
}

/// For routes under `/v1/chambers/{chamberId}`: resolves the caller's standing in that chamber, or refuses.
/// Non-members get `404 chamber_not_found`: a chamber they do not belong to looks like no chamber at all.
struct ChamberAccessMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let services: ChamberServices

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let chamberID: ChamberID = try request.id("chamberId", context: context)
        if context.authentication == nil, let presented = context.apiKey {
            let key = try presented.get()
            let identity = try await admit(key, to: chamberID, request: request, context: context)
            let access = try await services.chambers.access(identity, to: chamberID)
            // A key acts as an admin of its chamber: its maker demoted, gone, or an admin only through the platform,
            // it acts no more.
            guard access.role == .admin, !access.viaPlatformAdmin else {
                throw ChamberError(.apiKeyInvalid, "the admin who made this API key no longer administers this chamber")
            }
            try await services.apiKeys.recordUse(key, request: "\(request.method.rawValue) \(request.uri.path)")
            context.authentication = .success(identity)
            context.chamberAccess = access
        } else {
            context.chamberAccess = try await services.chambers.access(try context.identity(), to: chamberID)
        }
        context.logger[metadataKey: "chamber.id"] = "\(chamberID)"
        return try await next(request, context)
    }

    /// An API key on a route its scopes open, in its own chamber (another chamber's path looks like no chamber).
    private func admit(_ key: ApiKey, to chamberID: ChamberID, request: Request, context: Context) async throws -> Identity {
        guard let path = context.endpointPath, let scope = ApiKeyRouteScopes.scope(request.method, path) else {
            throw ChamberError(.apiKeyNotAllowed, "API keys may not call \(request.method.rawValue) \(context.endpointPath ?? request.uri.path)")
        }
        guard key.chamberID == chamberID else { throw ChamberError(.chamberNotFound, "no chamber \(chamberID) for this key") }
        return try await services.apiKeys.admit(key, scope: scope, address: context.clientAddress?.ipAddress)
    }
}
