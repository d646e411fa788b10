import HummingbirdCore
import Testing

@testable import ChamberHTTP

/// What the request log writes of a URI: the path and query, secrets hidden.
@Suite("Request log redaction")
struct RedactingRequestLogTests {
    @Test(
        "secret query parameters are hidden, the rest kept",
        arguments: [
            ("/v1/ws?chamber_id=c1&access_token=eyJ.abc", "/v1/ws?chamber_id=c1&access_token=<redacted>"),
            ("/v1/email/unsubscribe?token=a.b.sig", "/v1/email/unsubscribe?token=<redacted>"),
            ("/v1/files/f1?expires=1800000000&signature=abc_-", "/v1/files/f1?expires=1800000000&signature=<redacted>"),
            ("/v1/chambers?limit=10", "/v1/chambers?limit=10"),
            ("/health", "/health"),
            ("/v1/x?tokenish=1&token", "/v1/x?tokenish=1&token=<redacted>"),
        ])
    func redacts(_ uri: String, expected: String) {
        #expect(RedactingRequestLog<AppRequestContext>.redacted(URI(uri)) == expected)
    }
}
