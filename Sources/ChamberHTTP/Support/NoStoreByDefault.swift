import HTTPTypes
import Hummingbird

/// Marks every answer `Cache-Control: no-store` unless its route said otherwise: answers carry members' data and
/// secrets (tokens, API keys, recovery codes), which no browser, proxy or app cache may keep.
struct NoStoreByDefault: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
