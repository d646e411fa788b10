import Hummingbird
import HummingbirdCore
import Logging

/// Logs each request, method and path, with the values of secret query parameters hidden: a WebSocket's
/// `access_token`, an unsubscribe link's `token` and a file link's `signature` would otherwise be in every log
/// reader's hands.
struct RedactingRequestLog<Context: RequestContext>: RouterMiddleware {
    static var secretParameters: Set<String> { ["access_token", "token", "signature"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        context.logger.info("Request", metadata: ["hb.request.method": "\(request.method)", "hb.request.path": "\(Self.redacted(request.uri))"])
        return try await next(request, context)
    }

    static func redacted(_ uri: URI) -> String {
        guard let query = uri.query, !query.isEmpty else { return uri.path }
        let parts = query.split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
            let name = part.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return secretParameters.contains(name) ? "\(name)=<redacted>" : String(part)
        }
        return uri.path + "?" + parts.joined(separator: "&")
    }
}
