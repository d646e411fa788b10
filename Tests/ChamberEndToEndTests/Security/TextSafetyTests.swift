import ChamberDomain
import ChamberServer
import ChamberTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Text that shows otherwise than it reads never gets in: NUL and other controls, and the bidirectional overrides of
/// "Trojan Source", in messages, edits, reactions and names (`Protocol/websocket.md` "send", openapi.yaml).
@Suite("Text: controls and bidirectional overrides are refused, naming the field")
struct TextSafetyTests {
    static let forbidden = [
        "nul \u{0000} byte", "bell \u{0007}", "c1 \u{0085}x\u{009B}", "pay \u{202E}0001\u{202C} now", "isolate \u{2066}x\u{2069}",
    ]

    @Test("sends, edits and reactions with controls are refused; tabs, line breaks and emoji pass")
    func messages() async throws {
        try await withServer(.sqlite) { api in
            let room = try await HubTests.room(api, members: 1)
            let socket = try await HubTests.socket(api, room.admin, room.chamberID)
            let channel = try await socket.request(["type": "create_channel", "kind": "group", "name": "Text"], expect: "channel")
            let channelID = channel["channel"]["id"].string ?? ""
            for (n, body) in Self.forbidden.enumerated() {
                let refused = try await socket.request(
                    ["type": "send", "channel_id": channelID, "client_message_id": "bad-\(n)", "body": body], expect: "ack", expectError: true)
                #expect(refused["code"].string == "validation_failed" && refused["field"].string == "body", "\(body.debugDescription): \(refused)")
            }
            let fine = try await socket.request(
                ["type": "send", "channel_id": channelID, "client_message_id": "ok-1", "body": "line one\n\tline two 👋🏽 עברית"], expect: "ack")
            let messageID = fine["message_id"].string ?? ""
            let edit = try await socket.request(
                ["type": "edit", "message_id": messageID, "body": "edited \u{202E}txt.exe"], expect: "ok", expectError: true)
            #expect(edit["code"].string == "validation_failed" && edit["field"].string == "body", "\(edit)")
            let reaction = try await socket.request(
                ["type": "react", "message_id": messageID, "emoji": "\u{202E}👍"], expect: "ok", expectError: true)
            #expect(reaction["code"].string == "validation_failed" && reaction["field"].string == "emoji", "\(reaction)")
            try await socket.request(["type": "react", "message_id": messageID, "emoji": "👍🏽"], expect: "ok")
            let history = try await socket.request(["type": "history", "channel_id": channelID], expect: "history")
            #expect(history["messages"].array.count == 1, "nothing refused was stored")
        }
    }

    @Test("a display name with an override or a NUL is refused at registration")
    func names() async throws {
        try await withServer(.sqlite) { api in
            for name in ["Ada \u{202E}nimda", "Ada\u{0000}", "Ada \u{2067}x"] {
                let answer = try await api.call(
                    .post, "/v1/auth/register",
                    json: ["email": "\(unique("spoof"))@example.com", "password": "correct horse battery", "display_name": name])
                #expect(answer.status == .badRequest && answer.errorField == "display_name", "\(name.debugDescription): \(answer.json)")
            }
        }
    }
}
