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

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
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
    let chambers: ChamberService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let identity = try context.identity()
        let chamberID: ChamberID = try request.id("chamberId", context: context)
        var context = context
        context.chamberAccess = try await chambers.access(identity, to: chamberID)
        context.logger[metadataKey: "chamber.id"] = "\(chamberID)"
        return try await next(request, context)
    }
}
