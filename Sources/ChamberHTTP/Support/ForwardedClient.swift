import HTTPTypes
import Hummingbird

/// Takes a request from a trusted proxy as coming from the client the proxy names in `X-Forwarded-For`
/// (``TrustedProxies``), for everything that reads where a request comes from: the limits per address, sign-in
/// sessions' addresses, API keys' allowed addresses and rates.
struct ForwardedClient: RouterMiddleware {
    let trusted: TrustedProxies

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response) async throws -> Response
    {
        guard trusted != .none else { return try await next(request, context) }
        var context = context
        context.clientAddress = trusted.client(of: context.remoteAddress, forwardedFor: request.headers[values: .xForwardedFor])
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
