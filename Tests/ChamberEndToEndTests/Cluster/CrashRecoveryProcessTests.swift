import ChamberTestSupport
import Foundation
import Testing

/// A `chamberconnect` process killed with SIGKILL while batches of sends are being stored, then started again on
/// the same database: everything it acknowledged is there, at the sequence the ack named.
@Suite("Crash recovery of a server process", .serialized)
struct CrashRecoveryProcessTests {
    /// Sockets sending at once without waiting for their acks, so group commit has company for every batch.
    static let sockets = 4
    static let sendsPerSocket = 400

    @Test("kill -9 under load loses no acknowledged message", arguments: TestBackend.enabled)
    func killedMidBatch(_ backend: TestBackend) async throws {
        // The test's sockets send far faster than a member may.
        let environment = try await ServerProcess.singleNodeEnvironment(backend, ["CHAMBER_HUB_INBOUND_FRAMES_PER_SECOND": "10000"])
        let server = try ServerProcess(name: "crash-\(backend)", environment: environment)
        try await server.waitReady()
        let admin = try await Self.account(on: server.port)
        let (_, chamber) = try await HTTP.call(
            port: server.port, "POST", "/v1/chambers", token: admin, json: ["name": "Crash Chamber", "slug": unique("crash")])
        let chamberID = chamber["id"].string ?? ""
        let (_, channel) = try await HTTP.call(
            port: server.port, "POST", "/v1/chambers/\(chamberID)/channels", token: admin, json: ["kind": "group", "name": "Busy room"])
        let channelID = channel["id"].string ?? ""
        #expect(!channelID.isEmpty, "\(channel)")

        let clients = try await (0..<Self.sockets).asyncMap { _ in
            let client = WSTestClient(port: server.port, chamberID: chamberID, token: admin)
            try await client.welcome()
            return client
        }
        for (index, client) in clients.enumerated() {
            for n in 0..<Self.sendsPerSocket {
                client.send([
                    "type": "send", "id": "\(index)-\(n)", "channel_id": channelID, "client_message_id": "c\(index)-\(n)", "body": "message \(n)",
                ])
            }
        }
        // Kill once some sends are acknowledged and many are still in flight.
        try await eventually("the first acknowledgements", timeout: .seconds(30)) {
            clients.reduce(0) { $0 + $1.pending("ack").count } >= 100
        }
        server.killHard()
        var acknowledged: [String: Int] = [:]
        for client in clients {
            for ack in client.pending("ack") where ack["status"].string == "published" {
                acknowledged[ack["client_message_id"].string ?? ""] = ack["seq"].int
            }
        }
        #expect(acknowledged.count >= 100)
        #expect(acknowledged.count < Self.sockets * Self.sendsPerSocket, "killed while sends were in flight")

        let again = try ServerProcess(name: "crash-\(backend)-again", environment: environment)
        try await again.waitReady()
        defer { again.killHard() }
        var stored: [String: Int] = [:]
        var seqs: [Int] = []
        var after = 0
        while true {
            let (status, page) = try await HTTP.call(
                port: again.port, "GET", "/v1/chambers/\(chamberID)/channels/\(channelID)/messages?after=\(after)&limit=100", token: admin)
            #expect(status == 200, "\(page)")
            let items = page["items"].array
            guard !items.isEmpty else { break }
            for item in items {
                stored[item["client_message_id"].string ?? ""] = item["seq"].int
                seqs.append(item["seq"].int ?? 0)
            }
            after = seqs.last ?? after
        }
        #expect(seqs == Array(1...max(1, seqs.count)), "one gapless sequence after the restart")
        let missing = acknowledged.filter { stored[$0.key] != $0.value }
        #expect(missing.isEmpty, "acknowledged but not stored at its sequence: \(missing.prefix(5))")
    }

    /// A new account (with a fresh token) on the server at `port`.
    static func account(on port: Int) async throws -> String {
        let email = "\(unique("crash"))@example.com"
        let (status, body) = try await HTTP.call(
            port: port, "POST", "/v1/auth/register", json: ["email": email, "password": "correct horse battery", "display_name": "Crash Admin"])
        #expect(status == 201, "\(body)")
        let (_, login) = try await HTTP.call(port: port, "POST", "/v1/auth/login", json: ["email": email, "password": "correct horse battery"])
        return login["access_token"].string ?? ""
    }
}
