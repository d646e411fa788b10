import ChamberServer
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing
import Yams

@Suite("REST: the API description served for people")
struct DocsTests {
    static let file = FrameSchemas.root.appendingPathComponent("openapi.yaml").path

    @Test("GET /docs shows every operation and schema of openapi.yaml, linked, with nothing from elsewhere; the YAML is served as it is")
    func docs() async throws {
        try await withServer(.sqlite, configure: { $0.openAPIFile = Self.file }) { api in
            let page = try await api.call(.get, "/docs")
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(decoding: page.body, as: UTF8.self)
            let yaml = try String(contentsOfFile: Self.file, encoding: .utf8)
            let document = try #require(try Yams.load(yaml: yaml) as? [String: Any])
            let paths = document["paths"] as? [String: [String: Any]] ?? [:]
            var operations = 0
            for (path, item) in paths {
                for (method, operation) in item where ["get", "put", "post", "patch", "delete"].contains(method) {
                    operations += 1
                    let id = (operation as? [String: Any])?["operationId"] as? String ?? ""
                    #expect(html.contains("id=\"op-\(id.lowercased())\""), "\(method) \(path) has its entry")
                }
                #expect(html.contains("<code>\(path)</code>"), "\(path) is shown")
            }
            #expect(operations > 150)
            let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
            for name in schemas.keys {
                #expect(html.contains("id=\"schema-\(name.lowercased())\""), "schema \(name) has its entry")
            }
            #expect(html.contains("href=\"#schema-dataexport\""), "operations link to their schemas")
            for outside in ["<script", "src=", "http-equiv", "@import"] { #expect(!html.contains(outside), "nothing runs or loads: \(outside)") }
            #expect(!html.contains("<id>") && !html.contains("<userId>"), "the document's text is escaped")

            let raw = try await api.call(.get, "/docs/openapi.yaml")
            #expect(raw.status == .ok && raw.body == Data(yaml.utf8))
            #expect(page.headers[.cacheControl] == "public, max-age=300", "the document may be kept")

            // Every other answer carries members' data or secrets: kept by no cache, failures included.
            let account = try await api.signUp("cache")
            let login = try await api.call(.post, "/v1/auth/login", json: ["email": account.email, "password": account.password])
            #expect(login.status == .ok && login.headers[.cacheControl] == "no-store")
            let refused = try await api.call(.get, "/v1/me")
            #expect(refused.status == .unauthorized && refused.headers[.cacheControl] == "no-store")
        }
    }

    @Test("a node started without its API description answers 404 at /docs")
    func missing() async throws {
        try await withServer(.sqlite) { api in
            let page = try await api.call(.get, "/docs")
            #expect(page.status == .notFound && page.errorCode == "not_found")
        }
    }
}
