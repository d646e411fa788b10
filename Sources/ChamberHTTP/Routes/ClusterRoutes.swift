import ChamberDomain
import ChamberRealtime
import Foundation
import Hummingbird

/// `/v1/admin/cluster…` and `/v1/admin/users/{userId}/disconnect`: the control plane of the cluster for platform
/// administrators. Commands take effect on every node (through the broker's cluster topic).
struct ClusterRoutes {
    let services: ChamberServices
    let hub: Hub

    struct ClusterBody: Encodable {
        struct Broker: Encodable {
            let kind: String
            let status: String
            let reason: String?
        }
        struct Node: Encodable {
            let id: String
            let address: String
            let startedAt: Date
            let connections: Int
            let draining: Bool
            let isSelf: Bool
            let lastSeenMsAgo: Int
        }
        let nodeId: String
        let broker: Broker
        let nodes: [Node]
    }

    struct DrainBody: Encodable {
        let nodeId: String
        let draining: Bool
    }

    struct DisconnectBody: Encodable {
        let userId: String
        let chamberId: String?
        let closeCode: Int
    }

    func register(on router: Router<AppRequestContext>) {
        let hub = self.hub
        let services = self.services
        let brokerKind = hub.brokerKind

        router.get("v1/admin/cluster") { _, context in
            try context.identity().requirePlatformAdmin(for: "the cluster's control plane")
            let health: ClusterBody.Broker =
                switch hub.brokerHealth {
                case .ok: .init(kind: brokerKind, status: "ok", reason: nil)
                case .degraded(let reason): .init(kind: brokerKind, status: "degraded", reason: reason)
                }
            return JSONResponse(
                .ok,
                ClusterBody(
                    nodeId: hub.nodeID, broker: health,
                    nodes: hub.clusterNodes().map {
                        .init(
                            id: $0.info.id, address: $0.info.address, startedAt: $0.info.startedAt, connections: $0.info.connections,
                            draining: $0.info.draining, isSelf: $0.isSelf, lastSeenMsAgo: $0.lastSeenMsAgo)
                    }))
        }

        router.post("v1/admin/cluster/nodes/{nodeId}/drain") { _, context in
            try context.identity().requirePlatformAdmin(for: "the cluster's control plane")
            let node = context.parameters.get("nodeId") ?? ""
            guard await hub.drainNode(node) else {
                throw ChamberError(.nodeNotFound, "no node '\(node)' in the cluster (see GET /v1/admin/cluster)")
            }
            return JSONResponse(.accepted, DrainBody(nodeId: node, draining: true))
        }

        router.post("v1/admin/users/{userId}/disconnect") { request, context in
            try context.identity().requirePlatformAdmin(for: "the cluster's control plane")
            let userID: UserID = try request.id("userId", context: context)
            let chamberID = try request.uri.queryParameters.get("chamber_id").map {
                try Validate.identifier($0, as: ChamberID.self, field: "chamber_id")
            }
            guard try await services.store.users.find(id: userID) != nil else {
                throw ChamberError(.userNotFound, "no user \(userID)")
            }
            hub.disconnectEverywhere(user: userID, chamber: chamberID, code: .disconnected)
            return JSONResponse(
                .accepted, DisconnectBody(userId: userID.rawValue, chamberId: chamberID?.rawValue, closeCode: Int(CloseCode.disconnected.rawValue)))
        }
    }
}
