import ChamberTestSupport
import Crypto
import Foundation
import Testing

/// A `chamberconnect` process killed with SIGKILL while its pushes are at the provider, unanswered; another started
/// on the same database sends them once the dead node's lease runs out (`Protocol/push.md`, "What the outbox
/// guarantees").
@Suite("Crash recovery of pushes", .serialized)
struct PushCrashProcessTests {
    static let members = 6

    @Test(
        "kill -9 a node while its pushes hang at the provider: the next node sends each once, nothing lost or doubled", arguments: TestBackend.enabled
    )
    func killedMidSend(_ backend: TestBackend) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("push-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let keyFile = folder.appendingPathComponent("vapid.pem").path
        try P256.Signing.PrivateKey().pemRepresentation.write(toFile: keyFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile)
        let environment = try await ServerProcess.singleNodeEnvironment(
            backend,
            [
                "CHAMBER_PUSH_WEB_PUSH_VAPID_KEY_FILE": keyFile, "CHAMBER_PUSH_WEB_PUSH_SUBJECT": "mailto:ops@chamber.example",
                "CHAMBER_PUSH_LEASE_SECONDS": "3",
            ])
        try await FakeWebPushService.run { push in
            let first = try ServerProcess(name: "push-crash-\(backend)", environment: environment)
            try await first.waitReady()
            let port = first.port
            let admin = try await HTTP.signUp(port: port, "admin")
            let (_, chamber) = try await HTTP.call(
                port: port, "POST", "/v1/chambers", token: admin.accessToken, json: ["name": "Push Crash Chamber", "slug": unique("crash")])
            let chamberID = chamber["id"].string ?? ""
            var subscriptions: [String: String] = [:]  // user id → subscription id
            for index in 0..<Self.members {
                let member = try await HTTP.signUp(port: port, "member\(index)")
                let (_, invite) = try await HTTP.call(
                    port: port, "POST", "/v1/chambers/\(chamberID)/invitations", token: admin.accessToken,
                    json: ["email": member.email, "role": "member"])
                let (accepted, _) = try await HTTP.call(
                    port: port, "POST", "/v1/invitations/accept", token: member.accessToken, json: ["token": invite["token"].string ?? ""])
                #expect(accepted == 200)
                let subscription = push.subscribe()
                let (registered, device) = try await HTTP.call(
                    port: port, "POST", "/v1/me/devices", token: member.accessToken, json: ["platform": "web_push", "web_push": subscription])
                #expect(registered == 201, "\(device)")
                subscriptions[member.userID] = FakeWebPushService.id(of: subscription)
            }
            let (_, channel) = try await HTTP.call(
                port: port, "POST", "/v1/chambers/\(chamberID)/channels", token: admin.accessToken,
                json: ["kind": "announcement", "name": "News"])
            let channelID = channel["id"].string ?? ""

            // Every push reaches the provider and hangs there; the node dies before any is answered.
            push.hold()
            let (sent, message) = try await HTTP.call(
                port: port, "POST", "/v1/chambers/\(chamberID)/channels/\(channelID)/messages", token: admin.accessToken,
                json: ["client_message_id": "gala", "body": "The gala is sold out"])
            #expect(sent == 201, "\(message)")
            // At least: a send that timed out meanwhile may have been tried again, and is held too.
            try await eventually("every push is at the provider", timeout: .seconds(20)) { push.held >= Self.members }
            first.killHard()
            push.release()
            #expect(push.received.isEmpty, "nothing was delivered before the kill")

            let second = try ServerProcess(name: "push-crash-\(backend)-again", environment: environment)
            try await second.waitReady()
            defer { second.killHard() }
            try await eventually("every member's browser got the announcement", timeout: .seconds(30)) {
                push.received.count >= Self.members
            }
            // A moment for a push sent twice to arrive.
            try await Task.sleep(for: .seconds(1))
            let received = push.received
            #expect(received.count == Self.members, "one push per device: \(received.map(\.subscription))")
            #expect(Set(received.map(\.subscription)) == Set(subscriptions.values), "every device, none twice")
            #expect(received.allSatisfy { $0.payload["body"].string?.contains("The gala is sold out") == true }, "\(received.map(\.payload))")
            #expect(Set(received.compactMap { $0.payload["data"]["push_id"].string }).count == Self.members, "a push id per device")
            #expect(push.refused.isEmpty, "the push service refused: \(push.refused)")

            let (_, stats) = try await HTTP.call(port: second.port, "GET", "/v1/chambers/\(chamberID)/push-stats", token: admin.accessToken)
            let web = stats["providers"].array.first { $0["provider"].string == "web_push" }
            #expect(web?["sent"].int == Self.members && web?["pending"].int == 0, "\(stats)")
        }
    }
}
