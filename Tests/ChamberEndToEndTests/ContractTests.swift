import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `Protocol/openapi.yaml` is the source of truth: the server registers exactly the routes it lists.
/// (Every response in every REST test is also checked against it by ``TestAPI/call``.)
@Suite("REST: the server and openapi.yaml agree")
struct ContractTests {
    @Test("registered routes == documented operations")
    func routeSets() async throws {
        try await withServer(.sqlite) { api in
            // One request first: the test client connects lazily, and a connection that opens after the test
            // ends would keep the server waiting for it.
            _ = try await api.call(.get, "/health")
            let registered = Set(api.registeredRoutes.map { "\($0.method) \($0.path)" })
            let documented = OpenAPIContract.shared.operations
            #expect(registered.subtracting(documented).isEmpty, "routes missing from openapi.yaml: \(registered.subtracting(documented).sorted())")
            #expect(documented.subtracting(registered).isEmpty, "documented routes the server lacks: \(documented.subtracting(registered).sorted())")
        }
    }

    @Test("the document is OpenAPI 3.1 and every operation has an id and responses")
    func documentShape() {
        let document = OpenAPIContract.shared.document
        #expect(document["openapi"].string?.hasPrefix("3.1") == true)
        var ids: Set<String> = []
        for (path, item) in document["paths"].object ?? [:] {
            for method in OpenAPIContract.methods {
                let operation = item[method]
                guard operation.object != nil else { continue }
                let id = operation["operationId"].string
                #expect(id != nil, "\(method) \(path) has no operationId")
                if let id { #expect(ids.insert(id).inserted, "operationId \(id) is used twice") }
                #expect(operation["responses"].object?.isEmpty == false, "\(method) \(path) has no responses")
            }
        }
    }

    @Test("operations endpoints: health, readiness, Prometheus metrics", arguments: TestBackend.enabled)
    func operations(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let health = try await api.call(.get, "/health")
            #expect(health.status == .ok && health.json["status"].string == "ok")
            // Readiness pings the database with a 2 s deadline: on a machine running every suite at once a ping can
            // wait longer for one of the test server's four connections, and the node rightly says 503 meanwhile.
            try await eventually("the node is ready", timeout: .seconds(60)) {
                let ready = try? await api.call(.get, "/ready")
                return ready?.status == .ok && ready?.json["checks"]["database"].string == "ok"
            }
            let room = try await HubTests.room(api, members: 1)
            let socket = try await HubTests.socket(api, room.members[0], room.chamberID)
            let metrics = try await api.call(.get, "/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(decoding: metrics.body, as: UTF8.self)
            #expect(text.contains("# TYPE"), "Prometheus exposition format")
            #expect(text.contains("/v1/auth/register"), "HTTP requests are counted per route")
            #expect(
                text.contains("chamber_ws_connections_opened_total") && text.contains("chamber_ws_frames_out_total"),
                "the hub's figures are exported too")
            withExtendedLifetime(socket) {}
        }
    }

    @Test("with a metrics token, /metrics answers only that bearer token")
    func metricsToken() async throws {
        try await withServer(.sqlite, configure: { $0.metricsToken = "scrape-0123456789abcdef" }) { api in
            #expect(try await api.call(.get, "/metrics", token: "scrape-0123456789abcdef").status == .ok)
            for token in [nil, "scrape-0123456789abcdeX", "scrape-0123456789abcdef0", ""] {
                let refused = try await api.call(.get, "/metrics", token: token)
                #expect(refused.status == .unauthorized && refused.errorCode == "unauthenticated", "\(token ?? "none")")
            }
            #expect(try await api.call(.get, "/health").status == .ok, "the other operations stay open")
        }
    }
}
