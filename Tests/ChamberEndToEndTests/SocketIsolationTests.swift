import ChamberServer
import ChamberTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Tenant isolation on the socket, generated from the protocol's own frame list: every client frame of
/// `Protocol/examples/client` is sent by each role of chamber A (admin, staff, moderator, member, guest), on a socket of chamber A, naming chamber B's ids
/// (channel, message, member, review item). A new frame type is attacked without anyone remembering to, and an id
/// field the attack does not know fails the test until it is taught.
@Suite("Socket: tenant isolation, every client frame")
struct SocketIsolationTests {
    /// Frames that name nothing of a chamber, or speak of the socket itself (`auth` naming B is tried on its own).
    static let unscoped: Set<String> = ["auth", "refresh", "ping", "set_status"]
    /// Frames about the socket's own state, answered `ok` whatever channel they name (websocket.md §4.5): they tell
    /// nothing of it.
    static let ownState: Set<String> = ["unsubscribe"]

    @Test("each role of chamber A, on its own socket, sends every frame with chamber B's ids: errors only, nothing of B in any answer, B unchanged")
    func everyFrame() async throws {
        try await withServer(.sqlite) { api in
            let bob = try await api.signUp("bob")
            let chamberB = try await api.createChamber(bob, name: "Bravo Socket Chamber")
            let betty = try await api.signUp("betty")
            try await api.addMember(betty, to: chamberB, role: "member", by: bob)
            let channelB =
                try await api.call(
                    .post, "/v1/chambers/\(chamberB)/channels", token: bob.accessToken,
                    json: ["kind": "group", "name": "Bravo Socket Room", "members": [betty.userID]]
                ).json["id"].string ?? ""
            let messageB =
                try await api.call(
                    .post, "/v1/chambers/\(chamberB)/channels/\(channelB)/messages", token: betty.accessToken,
                    json: ["client_message_id": "b-1", "body": "Bravo socket secret"]
                ).json["message"]["id"].string ?? ""
            _ = try await api.call(
                .post, "/v1/chambers/\(chamberB)/messages/\(messageB)/reports", token: bob.accessToken, json: ["reason": "Bravo report reason"])
            let itemB =
                try await api.call(.get, "/v1/chambers/\(chamberB)/moderation/queue", token: bob.accessToken).json["items"][0]["id"].string ?? ""
            #expect(!channelB.isEmpty && !messageB.isEmpty && !itemB.isEmpty)
            // What B holds (an error may repeat the id the caller sent itself: that tells nothing).
            let secrets = ["Bravo Socket Chamber", "Bravo Socket Room", "Bravo socket secret", "Bravo report reason", betty.email]
            // `user_ids` (members to add) is filled with the attacker's own id: an add to B's channel would show in its members.
            let ids: [String: Any] = [
                "channel_id": channelB, "message_id": messageB, "user_id": betty.userID, "item_id": itemB, "reply_to": messageB,
                "members": [betty.userID],
            ]

            let alice = try await api.signUp("alice")
            let chamberA = try await api.createChamber(alice, name: "Alpha Socket Chamber")
            var attackers = [("admin", alice)]
            for role in ["staff", "moderator", "member", "guest"] {
                let account = try await api.signUp("a-\(role)")
                try await api.addMember(account, to: chamberA, role: role, by: alice)
                attackers.append((role, account))
            }
            // A socket of chamber B is refused to them outright.
            let port = try #require(api.client.port)
            let upgrade = await RawHTTP.upgrade(port: port, path: "/v1/ws?chamber_id=\(chamberB)", token: alice.accessToken)
            #expect(upgrade.map { [403, 404].contains($0.status) } == true, "\(upgrade?.status ?? 0)")
            let lone = WSTestClient(port: port, chamberID: nil, token: nil)
            lone.send(["type": "auth", "id": "a", "token": alice.accessToken, "chamber_id": chamberB])
            let refused = try await lone.next("*")
            #expect(refused["type"].string == "error" && refused["code"].string == "chamber_not_found", "an auth frame naming B: \(refused)")
            #expect(try await lone.closeCode() == 4500)

            let examples = FrameSchemas.root.appendingPathComponent("examples/client")
            let names = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".json") }.sorted()
            #expect(names.count >= 25, "every client frame: \(names)")
            for (role, attacker) in attackers {
                let socket = try await HubTests.socket(api, attacker, chamberA)
                for name in names {
                    let data = try Data(contentsOf: examples.appendingPathComponent(name))
                    guard var frame = try JSONSerialization.jsonObject(with: data) as? [String: Any], let type = frame["type"] as? String,
                        !Self.unscoped.contains(type)
                    else { continue }
                    for (key, value) in frame where Self.nestsIdentifier(value) {
                        Issue.record("\(type): an id inside \(key), which the attack does not reach; teach it")
                    }
                    // The sender's own idempotency key, not an id of the chamber's.
                    if frame["client_message_id"] != nil { frame["client_message_id"] = UUID().uuidString }
                    var namesB = false
                    for (key, value) in frame where key != "client_message_id" && Self.holdsIdentifier(value) {
                        guard let replacement = key == "user_ids" ? [attacker.userID] : ids[key] else {
                            Issue.record("\(type): the attack does not know the id field \(key); teach it chamber B's")
                            continue
                        }
                        frame[key] = replacement
                        namesB = true
                    }
                    frame.removeValue(forKey: "id")
                    if type == "typing" {
                        socket.send(frame)
                        continue
                    }
                    let answer = try await socket.request(frame, expect: "*", expectError: true)
                    if namesB, !Self.ownState.contains(type) {
                        #expect(answer["type"].string == "error", "\(role) \(type) with B's ids was answered \(answer)")
                    }
                    let text = "\(answer)"
                    for secret in secrets { #expect(!text.contains(secret), "\(role) \(type) leaked \(secret): \(text.prefix(300))") }
                }
                let heard = try await socket.all("*", within: .milliseconds(300)).map { "\($0)" }.joined()
                for secret in secrets { #expect(!heard.contains(secret), "\(role)'s socket heard \(secret)") }
                socket.close()
            }

            // B is as it was: one message, its two members, the report still pending.
            let history = try await api.call(.get, "/v1/chambers/\(chamberB)/channels/\(channelB)/messages", token: bob.accessToken)
            #expect(history.json["items"].array.map { $0["body"].string } == ["Bravo socket secret"], "\(history.json)")
            let members = try await api.call(.get, "/v1/chambers/\(chamberB)/channels/\(channelB)/members", token: bob.accessToken)
            #expect(Set(members.json["items"].array.compactMap { $0["user_id"].string }) == [bob.userID, betty.userID])
            let queue = try await api.call(.get, "/v1/chambers/\(chamberB)/moderation/queue", token: bob.accessToken)
            #expect(queue.json["items"].array.map { $0["state"].string } == ["pending"])
            let sanctions = try await api.call(.get, "/v1/chambers/\(chamberB)/moderation/sanctions", token: bob.accessToken)
            #expect(sanctions.json["items"].array.isEmpty, "\(sanctions.json)")
        }
    }

    /// Whether a JSON value is, or is a list of, UUIDs: the ids a frame names.
    static func holdsIdentifier(_ value: Any) -> Bool {
        if let text = value as? String { return text.count == 36 && UUID(uuidString: text) != nil }
        if let list = value as? [Any] { return !list.isEmpty && list.allSatisfy(holdsIdentifier) }
        return false
    }

    /// Whether an id sits deeper than a frame's top level (an object inside it), where the attack would not see it.
    static func nestsIdentifier(_ value: Any) -> Bool {
        if let object = value as? [String: Any] { return object.values.contains { holdsIdentifier($0) || nestsIdentifier($0) } }
        if let list = value as? [Any] { return list.contains { ($0 is [String: Any] || $0 is [Any]) && nestsIdentifier($0) } }
        return false
    }
}
