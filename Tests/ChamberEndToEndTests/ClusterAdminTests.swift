import ChamberDomain
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

/// The cluster's control plane over REST on a single node (the in-process broker): the same routes drive a cluster
/// (see Cluster/ClusterTests.swift for several processes). Every answer is checked against openapi.yaml.
@Suite("REST: the cluster's control plane")
struct ClusterAdminTests {
    @Test("platform admins see the registry and the broker; others are refused")
    func registry() async throws {
        try await withServer(.sqlite) { api in
            let root = try await api.signUp("root")
            try await api.store.users.setPlatformAdmin(id: UserID(root.userID), true)
            let member = try await api.signUp("member")

            let cluster = try await api.call(.get, "/v1/admin/cluster", token: root.accessToken)
            #expect(cluster.status == .ok)
            #expect(cluster.json["broker"]["kind"].string == "in-process" && cluster.json["broker"]["status"].string == "ok")
            let nodes = cluster.json["nodes"].array
            #expect(nodes.count == 1 && nodes.first?["is_self"].bool == true && nodes.first?["id"].string == cluster.json["node_id"].string)

            let denied = try await api.call(.get, "/v1/admin/cluster", token: member.accessToken)
            #expect(denied.status == .forbidden && denied.errorCode == "platform_admin_required")
            #expect(try await api.call(.get, "/v1/admin/cluster").status == .unauthorized)

            let health = try await api.call(.get, "/health")
            #expect(health.json["status"].string == "ok" && health.json["checks"]["broker"].string == "ok")
        }
    }

    @Test("disconnecting a user closes their sockets with 4504; bad ids and unknown users are refused")
    func disconnect() async throws {
        try await withServer(.sqlite) { api in
            let root = try await api.signUp("root")
            try await api.store.users.setPlatformAdmin(id: UserID(root.userID), true)
            let room = try await HubTests.room(api, members: 2)
            let target = try await HubTests.socket(api, room.members[0], room.chamberID)
            let bystander = try await HubTests.socket(api, room.members[1], room.chamberID)

            let done = try await api.call(
                .post, "/v1/admin/users/\(room.members[0].userID)/disconnect?chamber_id=\(room.chamberID)", token: root.accessToken)
            #expect(done.status == .accepted && done.json["close_code"].int == 4504 && done.json["chamber_id"].string == room.chamberID)
            #expect(try await target.closeCode() == 4504)
            try await bystander.request(["type": "ping"], expect: "pong")

            let badID = try await api.call(.post, "/v1/admin/users/not-a-uuid/disconnect", token: root.accessToken)
            #expect(badID.status == .badRequest && badID.errorCode == "invalid_identifier")
            let badChamber = try await api.call(
                .post, "/v1/admin/users/\(room.members[1].userID)/disconnect?chamber_id=nope", token: root.accessToken)
            #expect(badChamber.status == .badRequest && badChamber.errorCode == "invalid_identifier")
            let unknown = try await api.call(.post, "/v1/admin/users/\(UUID().uuidString.lowercased())/disconnect", token: root.accessToken)
            #expect(unknown.status == .notFound && unknown.errorCode == "user_not_found")
            let denied = try await api.call(.post, "/v1/admin/users/\(room.members[1].userID)/disconnect", token: room.admin.accessToken)
            #expect(denied.status == .forbidden && denied.errorCode == "platform_admin_required")
        }
    }

    @Test("draining a node closes its sockets with 1001, refuses new ones and fails /ready; an unknown node is 404")
    func drain() async throws {
        try await withServer(.sqlite) { api in
            let root = try await api.signUp("root")
            try await api.store.users.setPlatformAdmin(id: UserID(root.userID), true)
            let room = try await HubTests.room(api, members: 1)
            let socket = try await HubTests.socket(api, room.members[0], room.chamberID)

            let unknown = try await api.call(.post, "/v1/admin/cluster/nodes/no-such-node/drain", token: root.accessToken)
            #expect(unknown.status == .notFound && unknown.errorCode == "node_not_found")

            let node = try await api.call(.get, "/v1/admin/cluster", token: root.accessToken).json["node_id"].string ?? ""
            let drained = try await api.call(.post, "/v1/admin/cluster/nodes/\(node)/drain", token: root.accessToken)
            #expect(drained.status == .accepted && drained.json["draining"].bool == true)
            #expect(try await socket.closeCode() == 1001)
            let ready = try await api.call(.get, "/ready")
            #expect(ready.status == .serviceUnavailable && ready.json["checks"]["node"].string == "draining")
        }
    }
}
