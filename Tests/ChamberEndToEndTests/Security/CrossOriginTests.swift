import ChamberHTTP
import ChamberServer
import ChamberTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Browsers on other sites (README "Configuration", openapi.yaml "Connections and every answer"): the origins a node
/// allows get their preflights answered and may read every answer, errors too; any other origin reads nothing.
@Suite("Connections: pages of other origins (CORS)")
struct CrossOriginTests {
    static let allowed = "https://members.example.org"

    /// A preflight as a browser sends it, on a raw socket (OPTIONS is no documented operation).
    static func preflight(_ port: Int, origin: String) async -> String {
        let request =
            "OPTIONS /v1/auth/login HTTP/1.1\r\nHost: x\r\nOrigin: \(origin)\r\nAccess-Control-Request-Method: POST\r\n"
            + "Access-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n"
        return await RawHTTP.exchange(port: port, [Array(request.utf8)], timeout: 10).text
    }

    static func login(_ api: TestAPI, origin: String) async throws -> APIResponse {
        var headers = HTTPFields()
        headers[.origin] = origin
        return try await api.call(
            .post, "/v1/auth/login", json: ["email": "nobody@example.com", "password": "wrong password!"], headers: headers)
    }

    @Test("an allowed origin's preflight is answered and it reads every answer, errors too; another origin reads nothing")
    func allowedOrigin() async throws {
        try await withServer(.sqlite, configure: { $0.crossOrigin = try! CrossOriginPolicy(parsing: [Self.allowed, "http://127.0.0.1:3000"]) }) {
            api in
            let port = try #require(api.client.port)
            let answer = await Self.preflight(port, origin: Self.allowed)
            #expect(answer.hasPrefix("HTTP/1.1 204"), "\(answer)")
            let lower = answer.lowercased()
            #expect(lower.contains("access-control-allow-origin: \(Self.allowed)"))
            #expect(lower.contains("access-control-allow-methods: get, post, put, patch, delete"))
            #expect(lower.contains("access-control-allow-headers: authorization, content-type"))
            #expect(!lower.contains("access-control-allow-credentials"), "never with credentials")

            let refused = try await Self.login(api, origin: Self.allowed)
            #expect(refused.status == .unauthorized && refused.headers[.accessControlAllowOrigin] == Self.allowed)
            #expect(refused.headers[.accessControlExposeHeaders]?.contains("Retry-After") == true && refused.headers[.vary] == "Origin")
            #expect(try await Self.login(api, origin: "http://127.0.0.1:3000").headers[.accessControlAllowOrigin] == "http://127.0.0.1:3000")

            for other in ["https://evil.example", "https://members.example.org.evil.example", "null"] {
                #expect(try await Self.login(api, origin: other).headers[.accessControlAllowOrigin] == nil, "\(other)")
                #expect(!(await Self.preflight(port, origin: other)).lowercased().contains("access-control-allow-origin"), "\(other)")
            }
        }
    }

    @Test("a node that allows no other origin answers no page of another site")
    func noOrigin() async throws {
        try await withServer(.sqlite) { (api: TestAPI) async throws in
            #expect(try await Self.login(api, origin: Self.allowed).headers[.accessControlAllowOrigin] == nil)
            let port = try #require(api.client.port)
            #expect(await Self.preflight(port, origin: Self.allowed).hasPrefix("HTTP/1.1 405"))
        }
    }
}
