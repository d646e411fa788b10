import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

/// Moderation as members meet it: the default rules of Config/moderation/ applied to sends over a real socket.
@Suite("Moderation over WebSocket")
struct ModerationTests {
    @Test("the default rules: room-wide mentions refused with a code, new members' links held, shouting toned down, moderators exempt",
          arguments: TestBackend.enabled)
    func defaultRules(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 1)
            let member = try await HubTests.socket(api, room.members[0], room.chamberID)
            let admin = try await HubTests.socket(api, room.admin, room.chamberID)
            let group = try await admin.request(["type": "create_channel", "kind": "group", "name": "Gala", "members": [room.members[0].userID]],
                                                expect: "channel")["channel"]["id"].string ?? ""
            try await admin.request(["type": "subscribe", "channel_id": group], expect: "subscribed")

            let everyone = try await member.request(["type": "send", "channel_id": group, "client_message_id": "m1", "body": "@everyone free drinks"],
                                                    expect: "ack", expectError: true)
            #expect(everyone["type"].string == "error" && everyone["code"].string == "mention_not_allowed" && everyone["field"].string == "mentions")

            let link = try await member.request(["type": "send", "channel_id": group, "client_message_id": "m2", "body": "best prices at cheap-deals.biz"],
                                                expect: "ack")
            #expect(link["status"].string == "held", "a member who joined today posts a link: held for review")

            let shout = try await member.request(["type": "send", "channel_id": group, "client_message_id": "m3", "body": "THE GALA IS TONIGHT. BE THERE!!!!!!!"],
                                                 expect: "ack")
            #expect(shout["status"].string == "published")
            #expect(try await admin.next("message")["message"]["body"].string == "The gala is tonight. Be there!!!!")

            let staffLink = try await admin.request(["type": "send", "channel_id": group, "client_message_id": "a1",
                                                     "body": "@everyone tickets: https://springfieldchamber.org/gala"], expect: "ack")
            #expect(staffLink["status"].string == "published", "admins keep the rules, they are not held to them")
            // Nothing of the refused or held sends reached the channel.
            let bodies = try await admin.all("message").map { $0["message"]["body"].string ?? "" }
            #expect(bodies == ["@everyone tickets: https://springfieldchamber.org/gala"])
        }
    }
}
