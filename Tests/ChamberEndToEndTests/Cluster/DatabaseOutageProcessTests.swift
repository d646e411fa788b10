import ChamberTestSupport
import Foundation
import Testing

/// A `chamberconnect` process whose PostgreSQL becomes unreachable (a relay in front of it cut: every connection
/// dropped, new ones refused) and comes back, as README "When PostgreSQL is down" and websocket.md §10 say.
@Suite("A node whose database goes away", .serialized)
struct DatabaseOutageProcessTests {
    @Test("sends are refused with database_unavailable while it is away, the socket stays open, and all is well after")
    func outage() async throws {
        guard TestBackend.enabled.contains(.postgres) else { return }
        let url = try await TestBackend.postgres.makeIsolatedURL()
        let database = try #require(URLComponents(string: url))
        let relay = try await CuttableProxy.start(to: try #require(database.port))
        var relayed = database
        relayed.port = relay.port
        let environment = try await ServerProcess.singleNodeEnvironment(.postgres, ["CHAMBER_DATABASE_URL": try #require(relayed.string)])
        let server = try ServerProcess(name: "database-outage", environment: environment)
        defer { server.killHard() }
        try await server.waitReady()
        let admin = try await CrashRecoveryProcessTests.account(on: server.port)
        let (_, chamber) = try await HTTP.call(
            port: server.port, "POST", "/v1/chambers", token: admin, json: ["name": "Outage Chamber", "slug": unique("outage")])
        let chamberID = chamber["id"].string ?? ""
        let (_, channel) = try await HTTP.call(
            port: server.port, "POST", "/v1/chambers/\(chamberID)/channels", token: admin, json: ["kind": "group", "name": "Outage room"])
        let channelID = channel["id"].string ?? ""
        let client = WSTestClient(port: server.port, chamberID: chamberID, token: admin)
        try await client.welcome()
        func send(_ key: String) async throws -> JSON {
            try await client.request(
                ["type": "send", "channel_id": channelID, "client_message_id": key, "body": "message \(key)"], expect: "ack", expectError: true)
        }
        #expect(try await send("before")["status"].string == "published")

        relay.cut()
        let started = ContinuousClock.now
        let refused = try await send("during")
        let waited = ContinuousClock.now - started
        #expect(refused["type"].string == "error" && refused["code"].string == "database_unavailable", "\(refused)")
        #expect(waited < .seconds(20), "refused within the 10 s deadline (and some slack): \(waited)")
        let (readyStatus, _) = try await HTTP.call(port: server.port, "GET", "/ready")
        #expect(readyStatus == 503, "not ready while the database is away")

        relay.restore()
        try await server.waitReady(timeout: .seconds(30))
        // The refused send again, with its key: stored once, whatever became of the first try.
        let retried = try await send("during")
        #expect(retried["type"].string == "ack" && retried["status"].string == "published", "\(retried)")
        #expect(try await send("after")["type"].string == "ack")

        let (status, page) = try await HTTP.call(
            port: server.port, "GET", "/v1/chambers/\(chamberID)/channels/\(channelID)/messages?limit=100", token: admin)
        #expect(status == 200, "\(page)")
        let keys = page["items"].array.map { $0["client_message_id"].string ?? "" }
        #expect(keys.sorted() == ["after", "before", "during"], "each message stored once: \(keys)")
        #expect(page["items"].array.map { $0["seq"].int ?? 0 }.sorted() == [1, 2, 3], "one gapless sequence")
    }
}
