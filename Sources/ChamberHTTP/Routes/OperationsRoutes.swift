import ChamberDomain
import ChamberRealtime
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus

/// `/health` (the process is up; `degraded` with the reason when the other nodes are out of reach), `/ready` (it
/// can serve: the database answers and the node is not draining), `/metrics` (Prometheus text; behind a bearer
/// token when the operator sets one, since its counts say how busy each chamber's features are).
struct OperationsRoutes {
    let store: any Store
    let hub: Hub
    let metrics: PrometheusCollectorRegistry
    let metricsToken: String?
    let version: String

    struct HealthBody: Encodable {
        let status: String
        let version: String
        let checks: [String: String]
    }

    func register(on router: Router<AppRequestContext>) {
        let version = self.version
        let store = self.store
        let metrics = self.metrics
        let hub = self.hub

        router.get("health") { _, _ in
            // Still 200 when degraded: the node serves its own connections; the body says what is missing.
            switch hub.brokerHealth {
            case .ok: return JSONResponse(.ok, HealthBody(status: "ok", version: version, checks: ["broker": "ok"]))
            case .degraded(let reason): return JSONResponse(.ok, HealthBody(status: "degraded", version: version, checks: ["broker": reason]))
            }
        }

        router.get("ready") { _, _ in
            let database = await Self.check(store)
            let draining = hub.isDraining
            let ready = database == "ok" && !draining
            var checks = ["database": database, "node": draining ? "draining" : "ok"]
            if case .degraded(let reason) = hub.brokerHealth { checks["broker"] = reason }
            return JSONResponse(
                ready ? .ok : .serviceUnavailable, HealthBody(status: ready ? "ready" : "unavailable", version: version, checks: checks))
        }

        let metricsToken = self.metricsToken.map { Array("Bearer \($0)".utf8) }
        router.get("metrics") { request, _ in
            if let metricsToken {
                let presented = Array((request.headers[.authorization] ?? "").utf8)
                // Compared in constant time: how far a guess matched must not show in how long the answer took.
                guard presented.count == metricsToken.count, zip(presented, metricsToken).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
                    throw ChamberError(.unauthenticated, "/metrics needs 'Authorization: Bearer <metrics.token_file's token>'")
                }
            }
            var bytes: [UInt8] = []
            metrics.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    /// Pings the database with a deadline, since a pool may otherwise retry for a minute.
    static func check(_ store: any Store) async -> String {
        await withTaskGroup(of: String.self) { group in
            group.addTask {
                do {
                    try await store.ping()
                    return "ok"
                } catch {
                    return "failing: \(error)"
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return "timeout after 2 s"
            }
            let first = await group.next() ?? "unknown"
            group.cancelAll()
            return first
        }
    }
}
