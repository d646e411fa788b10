import HTTPTypes
import Hummingbird

/// Answers browsers' cross-origin questions by the ``CrossOriginPolicy``: a preflight (`OPTIONS` with
/// `Access-Control-Request-Method`) from an allowed origin gets `204` with the methods and headers the API takes; any
/// other answer to an allowed origin says so, errors included (a page must read the error's code). Requests from
/// other origins get no such headers, so their browsers show them nothing.
struct CrossOrigin: RouterMiddleware {
    let policy: CrossOriginPolicy

    static let methods = "GET, POST, PUT, PATCH, DELETE"
    static let requestHeaders = "Authorization, Content-Type, Idempotency-Key, If-None-Match, X-Request-Id"
    static let exposedHeaders = "Retry-After, X-Request-Id, ETag, Location, Content-Disposition, Allow"
    /// How long a browser may keep a preflight's answer: ten minutes.
    static let maxAgeSeconds = "600"

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response) async throws -> Response
    {
        guard policy != .none else { return try await next(request, context) }
        guard let origin = request.headers[.origin], let allowed = policy.allowedOrigin(for: origin) else {
            // The answer depends on the Origin (others get CORS headers): no shared cache may give this one to them.
            var response = try await next(request, context)
            response.headers[.vary] = "Origin"
            return response
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers = HTTPFields()
            headers[.accessControlAllowOrigin] = allowed
            headers[.accessControlAllowMethods] = Self.methods
            headers[.accessControlAllowHeaders] = Self.requestHeaders
            headers[.accessControlMaxAge] = Self.maxAgeSeconds
            headers[.vary] = "Origin"
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = allowed
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        response.headers[.vary] = "Origin"
        return response
    }
}
