import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberTestSupport
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `GET /`, `GET /app/{file}` and `GET /v1/public/instance`: the web app's files as a browser gets them.
@Suite("Web app: files and the instance")
struct WebAppTests {
    @Test("the page and its files: types, a policy that loads nothing from elsewhere, revalidation by ETag; other names are not_found")
    func files() async throws {
        try await withServer(.sqlite) { api in
            let page = try await api.call(.get, "/")
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(String(decoding: page.body, as: UTF8.self).contains("/app/main.js"))
            let policy = page.headers[HTTPField.Name("Content-Security-Policy")!] ?? ""
            #expect(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe"))
            #expect(page.headers[.cacheControl] == "no-cache")
            let etag = try #require(page.headers[.eTag])
            let again = try await api.call(.get, "/", headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified && again.body.isEmpty)
            let stale = try await api.call(.get, "/", headers: [.ifNoneMatch: "\"0000\""])
            #expect(stale.status == .ok)

            let script = try await api.call(.get, "/app/main.js")
            #expect(script.status == .ok && script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(script.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            let style = try await api.call(.get, "/app/app.css")
            #expect(style.status == .ok && style.headers[.contentType] == "text/css; charset=utf-8")
            for name in ["nope.js", "Main.js", "main.exe", "..%2Fchamberconnect.json", "index.html"] {
                let missing = try await api.call(.get, "/app/\(name)")
                #expect(missing.status == .notFound && missing.errorCode == "not_found", "\(name)")
            }
        }
    }

    @Test("a node without the app's folder answers / with not_found")
    func withoutFiles() async throws {
        try await withServer(.sqlite, configure: { $0.webRoot = nil }) { api in
            let page = try await api.call(.get, "/")
            #expect(page.status == .notFound && page.errorCode == "not_found")
        }
    }

    @Test("the instance tells the demo's logins only on a demo server")
    func instance() async throws {
        try await withServer(.sqlite) { api in
            let plain = try await api.call(.get, "/v1/public/instance")
            #expect(plain.status == .ok && plain.json["version"].string != nil)
            #expect(plain.json["demo"].isNull, "no demo key without demo mode")
            #expect(plain.json["web_push"].isNull, "no Web Push key without Web Push")
        }
        // With Web Push, its key's public half, for browsers to subscribe with.
        try await Self.withWebPushServer { api, key in
            let instance = try await api.call(.get, "/v1/public/instance")
            let expected = key.publicKey.x963Representation.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(instance.json["web_push"]["application_server_key"].string == expected)
        }
        try await withServer(.sqlite, configure: { $0.demo = true }) { api in
            let demo = try await api.call(.get, "/v1/public/instance")
            #expect(demo.json["demo"]["password"].string == DemoSeeder.password)
            let roles = demo.json["demo"]["logins"].array.compactMap { $0["role"].string }
            #expect(Set(["admin", "staff", "member", "guest"]).isSubset(of: Set(roles)))
            // Each login works as told.
            let member = demo.json["demo"]["logins"].array.first { $0["role"].string == "member" }?["email"].string ?? ""
            _ = try await api.logIn(email: member, password: DemoSeeder.password)
        }
    }

    @Test(
        "only flat, lowercase names with a known extension are served",
        arguments: [
            ("main.js", "text/javascript; charset=utf-8"), ("app.css", "text/css; charset=utf-8"), ("icon.svg", "image/svg+xml"),
            ("chat-view.js", "text/javascript; charset=utf-8"), ("site.webmanifest", "application/manifest+json"), ("Main.js", nil),
            ("main.JS", nil), ("../main.js", nil), ("main", nil), ("a.b.js", nil), (".js", nil), ("main.html", nil), ("ü.js", nil),
        ] as [(String, String?)])
    func names(_ name: String, _ type: String?) {
        #expect(WebAppFiles.contentType(of: name) == type)
    }

    /// A test server that sends Web Push with a fresh VAPID key, handed to `test` with the key.
    static func withWebPushServer(_ test: @escaping @Sendable (TestAPI, P256.Signing.PrivateKey) async throws -> Void) async throws {
        let key = P256.Signing.PrivateKey()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vapid-\(UUID().uuidString).pem")
        try key.pemRepresentation.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try await withServer(
            .sqlite,
            configure: {
                $0.webPushVAPIDKeyFile = file.path
                $0.webPushSubject = "mailto:ops@example.org"
            }
        ) { api in try await test(api, key) }
    }
}
