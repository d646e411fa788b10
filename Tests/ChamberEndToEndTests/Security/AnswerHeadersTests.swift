import ChamberDomain
import ChamberServer
import ChamberTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// openapi.yaml "Connections and every answer": the headers every answer carries, and `405` for a known path called
/// with another method.
@Suite("REST: safe headers on every answer; a wrong method is 405 with Allow")
struct AnswerHeadersTests {
    static let safe: [(String, String)] = [
        ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"), ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
    ]

    @Test("answers, errors and not-found carry the safe headers; the web app keeps its own policy")
    func safeHeaders() async throws {
        try await withServer(.sqlite) { api in
            let admin = try await api.signUp("headers")
            let chamberID = try await api.createChamber(admin)
            for (path, token) in [
                ("/health", nil), ("/v1/auth/sessions", admin.accessToken), ("/v1/chambers/\(chamberID)/audit-log/export", admin.accessToken),
                ("/v1/nowhere", nil), ("/v1/chambers", nil),
            ] {
                let answer = try await api.call(.get, path, token: token)
                for (name, value) in Self.safe {
                    #expect(answer.headers[HTTPField.Name(name)!] == value, "\(path) \(answer.status.code): \(name)")
                }
            }
            let page = try await api.call(.get, "/")
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("script-src 'self'") == true)
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
        }
    }

    @Test(
        "a known path with another method answers 405 method_not_allowed and Allow; an unknown path stays 404",
        arguments: [
            ("DELETE", "/health", "GET"),
            ("PUT", "/v1/auth/login", "POST"),
            ("POST", "/v1/chambers/3f0c7d7e-3a6b-4b0e-9b7a-2d1f6f0f7a10", "GET, PATCH"),
            ("PATCH", "/app/main.js", "GET"),
        ])
    func wrongMethod(_ method: String, _ path: String, _ allow: String) async throws {
        try await withServer(.sqlite) { api in
            let answer = try await api.call(HTTPRequest.Method(method)!, path, json: [:])
            #expect(answer.status == .methodNotAllowed && answer.errorCode == "method_not_allowed", "\(method) \(path): \(answer.json)")
            #expect(answer.headers[.allow] == allow, "\(method) \(path)")
            let unknown = try await api.call(HTTPRequest.Method(method)!, "/nothing-here" + path, json: [:])
            #expect(unknown.status == .notFound, "/nothing-here\(path)")
        }
    }
}
