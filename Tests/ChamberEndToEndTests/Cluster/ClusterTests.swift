import ChamberTestSupport
import Foundation
import Testing

/// The cluster as users meet it: `chamberconnect` processes sharing one real PostgreSQL and one real redis-server,
/// real WebSocket clients spread over them.
@Suite("Cluster of server processes", .serialized, .enabled(if: TestBackend.enabled.contains(.postgres)))
struct ClusterTests {
    @Test("members on three nodes chat in a group and a DM as if on one; presence shows everyone")
    func chatAcrossNodes() async throws {
        let cluster = try await ProcessCluster(nodes: 3)
        let (chamber, users) = try await cluster.chamber(with: ["admin", "ada", "bob"])
        let sockets = try await (0..<3).asyncMap { try await cluster.socket(users[$0], chamber: chamber, node: $0) }
        let group =
            try await sockets[0].request(
                [
                    "type": "create_channel", "kind": "group", "name": "Cluster Walk",
                    "members": [users[1].userID, users[2].userID],
                ], expect: "channel")["channel"]["id"].string ?? ""
        for socket in sockets { try await socket.request(["type": "subscribe", "channel_id": group, "since": 0], expect: "subscribed") }

        for round in 0..<10 {
            for (index, socket) in sockets.enumerated() {
                socket.send([
                    "type": "send", "id": "s\(round)-\(index)", "channel_id": group, "client_message_id": "m-\(round)-\(index)",
                    "body": "round \(round) from \(index)",
                ])
            }
        }
        var orders: [[String]] = []
        for socket in sockets {
            let messages = try await socket.messages(in: group, count: 30)
            #expect(messages.map { $0["seq"].int ?? 0 } == Array(1...30), "one gapless sequence on every node")
            orders.append(messages.map { $0["message"]["client_message_id"].string ?? "" })
        }
        #expect(orders[1] == orders[0] && orders[2] == orders[0], "the same order on every node")
        #expect(Set(orders[0]).count == 30)

        // A direct conversation between node 1 and node 2.
        let direct =
            try await sockets[1].request(["type": "open_direct", "user_id": users[2].userID], expect: "channel")["channel"]["id"].string ?? ""
        try await sockets[1].request(["type": "subscribe", "channel_id": direct, "since": 0], expect: "subscribed")
        try await sockets[2].request(["type": "subscribe", "channel_id": direct, "since": 0], expect: "subscribed")
        try await sockets[1].request(
            ["type": "send", "channel_id": direct, "client_message_id": "dm-1", "body": "Lunch at the gala?"], expect: "ack")
        #expect(try await sockets[2].messages(in: direct, count: 1).first?["message"]["body"].string == "Lunch at the gala?")
        try await sockets[2].request(["type": "send", "channel_id": direct, "client_message_id": "dm-2", "body": "Yes, noon."], expect: "ack")
        #expect(try await sockets[1].messages(in: direct, count: 2).map { $0["seq"].int } == [1, 2])

        // Presence asked on node 2 counts the users of every node.
        try await eventually("node 2 sees all three online", timeout: .seconds(30)) {
            let reply = try? await sockets[2].request(["type": "presence"], expect: "presence")
            return Set(reply?["users"].array.compactMap { $0["status"].string == "online" ? $0["user_id"].string : nil } ?? [])
                == Set(users.map(\.userID))
        }
        // The registry lists the three nodes.
        let (status, registry) = try await HTTP.call(
            port: cluster.nodes[1].port, "GET", "/v1/admin/cluster", token: cluster.platformAdmin.accessToken)
        #expect(status == 200)
        #expect(registry["nodes"].array.count == 3 && registry["broker"]["kind"].string == "redis", "\(registry)")
    }

    @Test("kill -9 a node mid-conversation: its clients reconnect to another node and recover everything acknowledged, no gap, no duplicate")
    func nodeKilled() async throws {
        let cluster = try await ProcessCluster(nodes: 3)
        let (chamber, users) = try await cluster.chamber(with: ["admin", "ada", "bob"])
        let admin = try await cluster.socket(users[0], chamber: chamber, node: 0)
        let group =
            try await admin.request(
                [
                    "type": "create_channel", "kind": "group", "name": "Resilience",
                    "members": [users[1].userID, users[2].userID],
                ], expect: "channel")["channel"]["id"].string ?? ""
        let adaOnDoomed = try await cluster.socket(users[1], chamber: chamber, node: 2)
        let bob = try await cluster.socket(users[2], chamber: chamber, node: 1)
        for socket in [admin, adaOnDoomed, bob] {
            try await socket.request(["type": "subscribe", "channel_id": group, "since": 0], expect: "subscribed")
        }

        var acknowledged: [String: Int] = [:]
        for index in 0..<15 {
            let ack = try await admin.request(
                ["type": "send", "channel_id": group, "client_message_id": "admin-\(index)", "body": "before \(index)"], expect: "ack")
            acknowledged["admin-\(index)"] = ack["seq"].int
        }
        for index in 0..<5 {
            let ack = try await adaOnDoomed.request(
                ["type": "send", "channel_id": group, "client_message_id": "ada-\(index)", "body": "from the doomed node \(index)"], expect: "ack")
            acknowledged["ada-\(index)"] = ack["seq"].int
        }
        // Ada has read part of the stream when her node dies; the admin keeps talking meanwhile.
        let seenBefore = try await adaOnDoomed.messages(in: group, count: 10, exact: false)
        async let more: [String: Int] = {
            var acks: [String: Int] = [:]
            for index in 15..<40 {
                let ack = try await admin.request(
                    ["type": "send", "channel_id": group, "client_message_id": "admin-\(index)", "body": "during \(index)"], expect: "ack")
                acks["admin-\(index)"] = ack["seq"].int
            }
            return acks
        }()
        try await Task.sleep(for: .milliseconds(100))
        cluster.nodes[2].killHard()
        let lastSeen = seenBefore.last?["seq"].int ?? 0
        let adaAgain = try await cluster.socket(users[1], chamber: chamber, node: 0)
        try await adaAgain.request(["type": "subscribe", "channel_id": group, "since": lastSeen], expect: "subscribed")
        acknowledged.merge(try await more) { $1 }

        let total = acknowledged.values.max() ?? 0
        #expect(total == 45 && Set(acknowledged.values).count == 45, "every acknowledged send has its own sequence")
        let recovered = try await adaAgain.messages(in: group, count: total - lastSeen, timeout: .seconds(15))
        let adaSeqs = seenBefore.map { $0["seq"].int ?? 0 } + recovered.map { $0["seq"].int ?? 0 }
        #expect(adaSeqs == Array(1...total), "Ada: no gap, no duplicate across the node's death")
        let adaIDs = Set((seenBefore + recovered).compactMap { $0["message"]["client_message_id"].string })
        #expect(Set(acknowledged.keys).isSubset(of: adaIDs), "everything acknowledged reached Ada, her own sends included")
        #expect(try await bob.messages(in: group, count: total).map { $0["seq"].int ?? 0 } == Array(1...total), "Bob on a surviving node")
    }

    @Test(
        "moderation and sign-out on one node hold on the other at once: a report reaches a moderator there live, mute, lock and kick bite (on a socket that keeps its rights), a ban and a logout close the sockets"
    )
    func moderationAcrossNodes() async throws {
        let cluster = try await ProcessCluster(nodes: 2)
        let (chamber, users) = try await cluster.chamber(with: ["admin", "ada", "bob"])
        let admin = try await cluster.socket(users[0], chamber: chamber, node: 0)
        let ada = try await cluster.socket(users[1], chamber: chamber, node: 1)
        let bob = try await cluster.socket(users[2], chamber: chamber, node: 1)
        let group =
            try await admin.request(
                ["type": "create_channel", "kind": "group", "name": "Across", "members": [users[1].userID, users[2].userID]],
                expect: "channel")["channel"]["id"].string ?? ""
        try await bob.request(["type": "subscribe", "channel_id": group], expect: "subscribed")
        // Subscribed, ada's socket keeps her rights after this first send: what follows must reach them from node 0.
        try await ada.request(["type": "subscribe", "channel_id": group], expect: "subscribed")
        let pitch = try await ada.request(["type": "send", "channel_id": group, "client_message_id": "a1", "body": "Buy my course"], expect: "ack")

        // Reported on node 1, seen live by the admin on node 0.
        try await bob.request(["type": "report", "message_id": pitch["message_id"].string ?? "", "reason": "spam"], expect: "ok")
        #expect(try await admin.next("review_item")["item"]["message_id"] == pitch["message_id"])

        // Muted through node 0's REST: refused on node 1 at once, and told there.
        let (muted, _) = try await HTTP.call(
            port: cluster.nodes[0].port, "POST", "/v1/chambers/\(chamber)/moderation/actions", token: users[0].accessToken,
            json: ["action": "mute", "user_id": users[1].userID, "reason": "cool down"])
        #expect(muted == 200)
        #expect(try await ada.next("moderation_notice")["kind"].string == "muted")
        let refused = try await ada.request(
            ["type": "send", "channel_id": group, "client_message_id": "a2", "body": "still here"], expect: "ack", expectError: true)
        #expect(refused["code"].string == "user_muted")
        let (unmuted, _) = try await HTTP.call(
            port: cluster.nodes[0].port, "POST", "/v1/chambers/\(chamber)/moderation/actions", token: users[0].accessToken,
            json: ["action": "unmute", "user_id": users[1].userID])
        #expect(unmuted == 200)
        _ = try await ada.next("moderation_notice", where: { $0["kind"].string == "unmuted" })
        try await ada.request(["type": "send", "channel_id": group, "client_message_id": "a2", "body": "back"], expect: "ack")

        // Locked through node 0: ada's next send on node 1 is refused; her rights there were kept until then.
        try await admin.request(["type": "moderate", "action": "lock", "channel_id": group], expect: "moderated")
        _ = try await ada.next("channel_changed")
        let locked = try await ada.request(
            ["type": "send", "channel_id": group, "client_message_id": "a3", "body": "still here"], expect: "ack", expectError: true)
        #expect(locked["code"].string == "channel_locked")
        try await admin.request(["type": "moderate", "action": "unlock", "channel_id": group], expect: "moderated")
        _ = try await ada.next("channel_changed")
        try await ada.request(["type": "send", "channel_id": group, "client_message_id": "a3", "body": "unlocked"], expect: "ack")

        // Kicked through node 0: bob's subscription on node 1 ends.
        try await admin.request(["type": "moderate", "action": "kick", "user_id": users[2].userID, "channel_id": group], expect: "moderated")
        _ = try await bob.next("moderation_notice", where: { $0["kind"].string == "kicked" })
        try await admin.request(["type": "send", "channel_id": group, "client_message_id": "x1", "body": "after the kick"], expect: "ack")
        let after = try await bob.all("message", within: .milliseconds(500)).filter { $0["message"]["client_message_id"].string == "x1" }
        #expect(after.isEmpty, "a kicked member on another node receives nothing more")

        // Banned through node 0: ada's socket on node 1 closes with 4505.
        try await admin.request(["type": "moderate", "action": "ban", "user_id": users[1].userID, "reason": "spam"], expect: "moderated")
        #expect(try await ada.closeCode() == 4505)
        let (status, body) = try await HTTP.call(port: cluster.nodes[1].port, "GET", "/v1/chambers/\(chamber)", token: users[1].accessToken)
        #expect(status == 403 && body["error"]["code"].string == "user_banned")

        // Bob signs out through node 0: his socket on node 1 closes at once with 4503, not when his token runs out.
        let (loggedOut, _) = try await HTTP.call(port: cluster.nodes[0].port, "POST", "/v1/auth/logout", token: users[2].accessToken)
        #expect(loggedOut == 204)
        #expect(try await bob.closeCode() == 4503)
    }

    @Test("Redis stops for a few seconds: local chat continues, /health says degraded, cross-node messages arrive after it returns")
    func redisOutage() async throws {
        let cluster = try await ProcessCluster(nodes: 2)
        let (chamber, users) = try await cluster.chamber(with: ["ada", "carol", "bob"])
        let ada = try await cluster.socket(users[0], chamber: chamber, node: 0)
        let carol = try await cluster.socket(users[1], chamber: chamber, node: 0)
        let bob = try await cluster.socket(users[2], chamber: chamber, node: 1)
        let group =
            try await ada.request(
                [
                    "type": "create_channel", "kind": "group", "name": "Outage",
                    "members": [users[1].userID, users[2].userID],
                ], expect: "channel")["channel"]["id"].string ?? ""
        for socket in [ada, carol, bob] { try await socket.request(["type": "subscribe", "channel_id": group, "since": 0], expect: "subscribed") }
        try await ada.request(["type": "send", "channel_id": group, "client_message_id": "o-0", "body": "before"], expect: "ack")
        #expect(try await bob.messages(in: group, count: 1).count == 1)

        cluster.redis.stop()
        try await eventually("node 0 reports degraded") {
            let health = try? await HTTP.call(port: cluster.nodes[0].port, "GET", "/health")
            return health?.1["status"].string == "degraded" && health?.1["checks"]["broker"].string?.contains("redis") == true
        }
        for index in 1...3 {
            try await ada.request(["type": "send", "channel_id": group, "client_message_id": "o-\(index)", "body": "during \(index)"], expect: "ack")
        }
        #expect(try await carol.messages(in: group, count: 4).map { $0["seq"].int } == [1, 2, 3, 4], "local chat goes on")

        try cluster.redis.start()
        #expect(
            try await bob.messages(in: group, count: 3, timeout: .seconds(20)).map { $0["seq"].int } == [2, 3, 4],
            "the other node's member gets what was said meanwhile, in order, once")
        try await eventually("health is ok again", timeout: .seconds(30)) {
            (try? await HTTP.call(port: cluster.nodes[0].port, "GET", "/health"))?.1["status"].string == "ok"
        }
        try await bob.request(["type": "send", "channel_id": group, "client_message_id": "o-4", "body": "after"], expect: "ack")
        #expect(try await ada.messages(in: group, count: 5).map { $0["seq"].int } == [1, 2, 3, 4, 5])
    }
}

// MARK: - Set-up

/// Redis, and server processes on the test PostgreSQL (started one after another: the first one migrates).
final class ProcessCluster: @unchecked Sendable {
    // @unchecked: owned by one test.
    let redis: RedisTestServer
    private(set) var nodes: [ServerProcess] = []
    private(set) var platformAdmin: ClusterAccount!

    init(nodes count: Int) async throws {
        redis = try RedisTestServer()
        guard let database = TestBackend.postgresURL else { throw TestBackendError("CHAMBER_TEST_POSTGRES_URL is not set: run ./scripts/test.sh") }
        let environment = [
            "CHAMBER_DATABASE_URL": database, "CHAMBER_DATABASE_MAX_CONNECTIONS": "4",
            "CHAMBER_AUTH_JWT_SECRET": testJWTSecret, "CHAMBER_AUTH_BCRYPT_COST": "4",
            "CHAMBER_BROKER_KIND": "redis", "CHAMBER_BROKER_REDIS_URL": redis.url,
            "CHAMBER_CLUSTER_HEARTBEAT_MS": "200", "CHAMBER_CLUSTER_NODE_TIMEOUT_MS": "10000",
            "CHAMBER_LOG_LEVEL": ProcessInfo.processInfo.environment["CHAMBER_TEST_SERVER_LOG_LEVEL"] ?? "warning", "CHAMBER_DEMO_ENABLED": "false",
        ]
        for index in 0..<count {
            let node = try ServerProcess(name: "node-\(index)", environment: environment)
            try await node.waitReady()
            nodes.append(node)
        }
        let email = "\(unique("platform"))@example.com"
        try createPlatformAdmin(email)
        platformAdmin = try await logIn(email)
    }

    deinit {
        for node in nodes { node.killHard() }
        redis.stop()
    }

    /// A chamber founded by the first name (its admin) with the others as members; accounts in that order.
    func chamber(with names: [String]) async throws -> (String, [ClusterAccount]) {
        var accounts: [ClusterAccount] = []
        for name in names { accounts.append(try await signUp(name)) }
        let (status, created) = try await HTTP.call(
            port: nodes[0].port, "POST", "/v1/chambers", token: accounts[0].accessToken,
            json: ["name": "Cluster Chamber", "slug": unique("cluster")])
        #expect(status == 201, "\(created)")
        let chamber = created["id"].string ?? ""
        for member in accounts.dropFirst() {
            let (_, invite) = try await HTTP.call(
                port: nodes[0].port, "POST", "/v1/chambers/\(chamber)/invitations", token: accounts[0].accessToken,
                json: ["email": member.email, "role": "member"])
            // Accepted through another node: every node serves the REST side too.
            let (accepted, body) = try await HTTP.call(
                port: nodes.last!.port, "POST", "/v1/invitations/accept", token: member.accessToken,
                json: ["token": invite["token"].string ?? ""])
            #expect(accepted == 200, "\(body)")
        }
        return (chamber, accounts)
    }

    func socket(_ account: ClusterAccount, chamber: String, node: Int) async throws -> WSTestClient {
        let client = WSTestClient(port: nodes[node].port, chamberID: chamber, token: account.accessToken)
        try await client.welcome()
        return client
    }

    private func signUp(_ name: String) async throws -> ClusterAccount { try await HTTP.signUp(port: nodes[0].port, name) }

    private func logIn(_ email: String) async throws -> ClusterAccount { try await HTTP.logIn(port: nodes[0].port, email) }

    /// Platform admins are made by the operator's command line, as in production.
    private func createPlatformAdmin(_ email: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binary)
        process.arguments = ["create-admin", "--email", email, "--password", "correct horse battery"]
        process.currentDirectoryURL = FrameSchemas.root.deletingLastPathComponent()
        process.environment = ProcessInfo.processInfo.environment.merging([
            "CHAMBER_DATABASE_URL": TestBackend.postgresURL ?? "", "CHAMBER_AUTH_JWT_SECRET": testJWTSecret,
            "CHAMBER_AUTH_BCRYPT_COST": "4", "CHAMBER_LOG_LEVEL": "warning",
        ]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "grant platform admin")
    }
}

struct ClusterAccount: Sendable {
    let email: String
    let userID: String
    let accessToken: String
}

extension WSTestClient {
    /// The next `count` message frames of `channel`, in arrival order.
    /// With `exact`, no further message of the channel may follow (a duplicate would show there).
    func messages(in channel: String, count: Int, exact: Bool = true, timeout: Duration = .seconds(30)) async throws -> [JSON] {
        var found: [JSON] = []
        for _ in 0..<count {
            found.append(try await next("message", where: { $0["channel_id"].string == channel }, timeout: timeout))
        }
        // Nothing more (a duplicate would show here).
        if exact {
            try await Task.sleep(for: .milliseconds(200))
            let extra = pending("message") { $0["channel_id"].string == channel }
            #expect(extra.isEmpty, "unexpected extra messages: \(extra.map { $0["seq"] })")
        }
        return found
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
