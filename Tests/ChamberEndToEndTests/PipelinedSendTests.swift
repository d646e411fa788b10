import ChamberServer
import ChamberTestSupport
import Foundation
import Testing

/// A socket that sends without waiting for its acks: its sends are checked as they come and stored together, and
/// every reply still comes in the order of the frames (websocket.md §3).
@Suite("Hub: pipelined sends")
struct PipelinedSendTests {
    @Test(
        "sends written back to back are answered in order with rising sequences; the next request's reply follows them",
        arguments: TestBackend.enabled)
    func inOrder(_ backend: TestBackend) async throws {
        try await withServer(backend, configure: { $0.inboundFramesPerSecond = 1000 }) { api in
            let room = try await HubTests.room(api, members: 1)
            let admin = try await HubTests.socket(api, room.admin, room.chamberID)
            let reader = try await HubTests.socket(api, room.members[0], room.chamberID)
            let group =
                try await admin.request(
                    ["type": "create_channel", "kind": "group", "name": "Pipeline", "members": [room.members[0].userID]], expect: "channel")[
                    "channel"]["id"].string ?? ""
            try await reader.request(["type": "subscribe", "channel_id": group], expect: "subscribed")
            let count = 60
            for n in 0..<count {
                admin.send(["type": "send", "id": "s\(n)", "channel_id": group, "client_message_id": "p\(n)", "body": "pipelined \(n)"])
                if n == 30 {
                    // A retry of a send still being stored, and a send that is refused, in the middle of the stream.
                    admin.send(["type": "send", "id": "again", "channel_id": group, "client_message_id": "p29", "body": "pipelined 29"])
                    admin.send(["type": "send", "id": "bad", "channel_id": group, "client_message_id": "", "body": "no id"])
                }
            }
            admin.send(["type": "presence", "id": "after"])
            _ = try await admin.next("*", where: { $0["id"].string == "after" }, timeout: .seconds(30))
            let replies = admin.receivedTexts.compactMap { text -> JSON? in
                let frame = try? JSON.parse(Data(text.utf8))
                return ["ack", "error", "presence"].contains(frame?["type"].string ?? "") && frame?["id"].string != nil ? frame : nil
            }
            let expectedIDs = (0...30).map { "s\($0)" } + ["again", "bad"] + (31..<count).map { "s\($0)" } + ["after"]
            #expect(replies.map { $0["id"].string ?? "" } == expectedIDs, "replies in the order of the frames")
            let acks = replies.filter { $0["type"].string == "ack" && $0["id"].string?.hasPrefix("s") == true }
            #expect(acks.map { $0["seq"].int ?? 0 } == Array(1...count), "sequences in the order of the sends")
            let retry = replies.first { $0["id"].string == "again" }
            #expect(retry?["duplicate"].bool == true && retry?["seq"].int == 30, "the retry names the stored send")
            #expect(replies.first { $0["id"].string == "bad" }?["code"].string == "validation_failed")
            let delivered = try await reader.messages(in: group, count: count)
            #expect(delivered.map { $0["seq"].int ?? 0 } == Array(1...count))
        }
    }

    @Test("slow mode counts a send that is still being stored", arguments: TestBackend.enabled)
    func slowMode(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 1)
            let admin = try await HubTests.socket(api, room.admin, room.chamberID)
            let member = try await HubTests.socket(api, room.members[0], room.chamberID)
            let group =
                try await admin.request(
                    ["type": "create_channel", "kind": "group", "name": "Slow", "members": [room.members[0].userID]], expect: "channel")["channel"][
                    "id"
                ].string ?? ""
            try await admin.request(["type": "moderate", "action": "slow_mode", "channel_id": group, "seconds": 3600], expect: "moderated")
            member.send(["type": "send", "id": "first", "channel_id": group, "client_message_id": "one", "body": "first"])
            member.send(["type": "send", "id": "second", "channel_id": group, "client_message_id": "two", "body": "second"])
            let first = try await member.next("*", where: { $0["id"].string == "first" })
            let second = try await member.next("*", where: { $0["id"].string == "second" })
            #expect(first["status"].string == "published")
            #expect(second["code"].string == "slow_mode" && (second["retry_after_seconds"].int ?? 0) > 3000)
        }
    }
}
