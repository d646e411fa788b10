import ChamberTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// That a socket's sends after its first in a channel really run without reading its rights: counted on a server
/// process of its own (metrics are per process), so no other test's sends are counted with them.
@Suite("Kept send rights, counted", .serialized)
struct KeptRightsProcessTests {
    @Test(
        "a subscribed socket's rights are read at its first send and kept for the next; a lock makes it read them again",
        arguments: TestBackend.enabled)
    func counted(_ backend: TestBackend) async throws {
        let environment = try await ServerProcess.singleNodeEnvironment(backend)
        let server = try ServerProcess(name: "kept-\(backend)", environment: environment)
        try await server.waitReady()
        defer { server.killHard() }
        let admin = try await CrashRecoveryProcessTests.account(on: server.port)
        let (_, chamber) = try await HTTP.call(
            port: server.port, "POST", "/v1/chambers", token: admin, json: ["name": "Kept Chamber", "slug": unique("kept")])
        let chamberID = chamber["id"].string ?? ""
        let (_, channel) = try await HTTP.call(
            port: server.port, "POST", "/v1/chambers/\(chamberID)/channels", token: admin, json: ["kind": "group", "name": "Kept room"])
        let channelID = channel["id"].string ?? ""
        let socket = WSTestClient(port: server.port, chamberID: chamberID, token: admin)
        try await socket.welcome()
        func send(_ clientID: String) async throws -> JSON {
            try await socket.request(["type": "send", "channel_id": channelID, "client_message_id": clientID, "body": "hi"], expect: "ack")
        }

        _ = try await send("unsubscribed-1")
        _ = try await send("unsubscribed-2")
        #expect(try await Self.counts(server.port) == .init(kept: 0, read: 2), "not subscribed: read at every send")

        try await socket.request(["type": "subscribe", "channel_id": channelID], expect: "subscribed")
        for n in 0..<10 { #expect(try await send("s\(n)")["status"].string == "published") }
        #expect(try await Self.counts(server.port) == .init(kept: 9, read: 3))

        try await socket.request(["type": "moderate", "action": "lock", "channel_id": channelID], expect: "moderated")
        _ = try await send("after-lock-1")
        _ = try await send("after-lock-2")
        #expect(try await Self.counts(server.port) == .init(kept: 10, read: 4), "the lock was announced: read once again, then kept")
    }

    struct Counts: Equatable {
        let kept: Int
        let read: Int
    }

    /// `chamber_send_rights_total` from the server's `/metrics`.
    static func counts(_ port: Int) async throws -> Counts {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        func value(_ source: String) -> Int {
            let label = "source=\"\(source)\""
            guard let line = lines.first(where: { $0.hasPrefix("chamber_send_rights_total{") && $0.contains(label) }),
                let figure = line.split(separator: " ").last, let number = Double(figure)
            else { return 0 }
            return Int(number)
        }
        return Counts(kept: value("kept"), read: value("read"))
    }
}
