import HTTPTypes
import Hummingbird

/// Gives every answer the headers that keep browsers and caches from misusing it, unless its route set its own:
/// - `Cache-Control: no-store`: answers carry members' data and secrets (tokens, API keys, recovery codes), which no
///   browser, proxy or app cache may keep;
/// - `X-Content-Type-Options: nosniff`: a CSV export or an uploaded file is never run as a script or a page;
/// - `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'` and `X-Frame-Options: DENY`: an API
///   answer opened in a tab runs nothing and is framed by no one (the web app's pages set their own policy);
/// - `Referrer-Policy: no-referrer`: no address with an id in it leaks to another site;
/// - with `strictTransportSecurity`, when the node is reached over HTTPS only,
///   `Strict-Transport-Security: max-age=31536000`: browsers never try plain HTTP for a year.
struct SafeResponseHeaders: RouterMiddleware {
    typealias Context = AppRequestContext

    let strictTransportSecurity: Bool

    static let defaults: [(HTTPField.Name, String)] = [
        (.cacheControl, "no-store"),
        (HTTPField.Name("X-Content-Type-Options")!, "nosniff"),
        (HTTPField.Name("Content-Security-Policy")!, "default-src 'none'; frame-ancestors 'none'"),
        (HTTPField.Name("X-Frame-Options")!, "DENY"),
        (HTTPField.Name("Referrer-Policy")!, "no-referrer"),
    ]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for (name, value) in Self.defaults where response.headers[name] == nil { response.headers[name] = value }
        if strictTransportSecurity { response.headers[HTTPField.Name("Strict-Transport-Security")!] = "max-age=31536000" }
        return response
    }
}
