import ChamberDomain
import ChamberServer
import ChamberTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Moderation as members meet it: the default rules of Config/moderation/ applied to sends over a real socket.
@Suite("Moderation over WebSocket")
struct ModerationTests {
    @Test(
        "the default rules: room-wide mentions refused with a code, new members' links held, nothing rewritten, moderators exempt",
        arguments: TestBackend.enabled)
    func defaultRules(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 1)
            let member = try await HubTests.socket(api, room.members[0], room.chamberID)
            let admin = try await HubTests.socket(api, room.admin, room.chamberID)
            let group =
                try await admin.request(
                    ["type": "create_channel", "kind": "group", "name": "Gala", "members": [room.members[0].userID]],
                    expect: "channel")["channel"]["id"].string ?? ""
            try await admin.request(["type": "subscribe", "channel_id": group], expect: "subscribed")

            let everyone = try await member.request(
                ["type": "send", "channel_id": group, "client_message_id": "m1", "body": "@everyone free drinks"],
                expect: "ack", expectError: true)
            #expect(everyone["type"].string == "error" && everyone["code"].string == "mention_not_allowed" && everyone["field"].string == "mentions")

            let link = try await member.request(
                ["type": "send", "channel_id": group, "client_message_id": "m2", "body": "best prices at cheap-deals.biz"],
                expect: "ack")
            #expect(link["status"].string == "held", "a member who joined today posts a link: held for review")

            // Nothing rewrites a member's words by default: shouting, repeated letters and long numbers are published as written.
            for (index, body) in ["THE GALA IS TONIGHT. BE THERE!!!!!!!", "call 555-0000000, ask for aaaaaaargh", "Grant approved: $1000000"]
                .enumerated()
            {
                let ack = try await member.request(
                    ["type": "send", "channel_id": group, "client_message_id": "w\(index)", "body": body], expect: "ack")
                #expect(ack["status"].string == "published" && ack["body"].isNull && ack["changed_by"].isNull, "\(ack)")
                #expect(try await admin.next("message")["message"]["body"].string == body)
            }
            let staffLink = try await admin.request(
                [
                    "type": "send", "channel_id": group, "client_message_id": "a1",
                    "body": "@everyone tickets: https://springfieldchamber.org/gala",
                ], expect: "ack")
            #expect(staffLink["status"].string == "published", "admins keep the rules, they are not held to them")
            // Nothing of the refused or held sends reached the channel.
            let bodies = try await admin.all("message").map { $0["message"]["body"].string ?? "" }
            #expect(bodies == ["@everyone tickets: https://springfieldchamber.org/gala"])
        }
    }
}

/// Moderation's tools end to end: the review queue, reports, actions and the audit log, through real sockets and REST.
@Suite("Moderation: queue, reports, actions, audit")
struct ModerationToolsTests {
    struct Scene {
        let room: HubTests.Room
        let moderator: Account
        let group: String
    }

    /// A chamber with an admin, a moderator and two members, all in one group (created by the admin).
    static func scene(_ api: TestAPI) async throws -> Scene {
        let room = try await HubTests.room(api, members: 2)
        let moderator = try await api.signUp("mod")
        try await api.addMember(moderator, to: room.chamberID, role: "moderator", by: room.admin)
        let group = try await api.call(
            .post, "/v1/chambers/\(room.chamberID)/channels", token: room.admin.accessToken,
            json: ["kind": "group", "name": "Members lounge", "members": room.members.map(\.userID) + [moderator.userID]])
        return Scene(room: room, moderator: moderator, group: group.json["id"].string ?? "")
    }

    static func audit(_ api: TestAPI, _ scene: Scene, _ query: String = "") async throws -> [JSON] {
        try await api.call(.get, "/v1/chambers/\(scene.room.chamberID)/audit-log?limit=200\(query)", token: scene.room.admin.accessToken).json[
            "items"
        ].array
    }

    @Test(
        "a blocked word is held by default, masked (and the author told) when the chamber chooses; an approved message appears in order, a rejected one never",
        arguments: TestBackend.enabled)
    func heldAndApproved(_ backend: TestBackend) async throws {
        try await withServer(backend, configure: { $0.wordListAction = "hold" }) { api in
            let scene = try await Self.scene(api)
            let author = try await HubTests.socket(api, scene.room.members[0], scene.room.chamberID)
            let reader = try await HubTests.socket(api, scene.room.members[1], scene.room.chamberID)
            let moderator = try await HubTests.socket(api, scene.moderator, scene.room.chamberID)
            try await reader.request(["type": "subscribe", "channel_id": scene.group], expect: "subscribed")

            try await author.request(["type": "send", "channel_id": scene.group, "client_message_id": "a1", "body": "first"], expect: "ack")
            let held = try await author.request(
                ["type": "send", "channel_id": scene.group, "client_message_id": "a2", "body": "this deal is a $c4m, sorry"], expect: "ack")
            #expect(held["status"].string == "held" && held["seq"].isNull)
            // The moderator sees it arrive, live.
            let live = try await moderator.next("review_item")["item"]
            #expect(live["kind"].string == "held" && live["state"].string == "pending" && live["rule"].string == "word_list")
            #expect(live["body"].string == "this deal is a $c4m, sorry" && live["author_id"].string == scene.room.members[0].userID)
            try await author.request(["type": "send", "channel_id": scene.group, "client_message_id": "a3", "body": "third"], expect: "ack")
            #expect(try await reader.next("message")["seq"].int == 1)
            #expect(try await reader.next("message")["seq"].int == 2, "the held message took no sequence number")

            let queue = try await moderator.request(["type": "review_queue"], expect: "review_queue")
            #expect(queue["items"].array.map { $0["id"].string } == [live["id"].string])
            let approved = try await moderator.request(
                ["type": "review", "item_id": live["id"].string ?? "", "decision": "approve", "reason": "a quote, not a scam"],
                expect: "review_item")
            #expect(approved["item"]["state"].string == "approved" && approved["item"]["decided_by"].string == scene.moderator.userID)
            let published = try await reader.next("message")
            #expect(
                published["seq"].int == 3 && published["message"]["body"].string == "this deal is a $c4m, sorry", "published next in the sequence")
            #expect(published["message"]["client_message_id"].string == "a2")
            let notice = try await author.next("moderation_notice")
            #expect(notice["kind"].string == "held_approved" && notice["seq"].int == 3 && notice["client_message_id"].string == "a2")
            let retry = try await author.request(
                ["type": "send", "channel_id": scene.group, "client_message_id": "a2", "body": "this deal is a $c4m, sorry"], expect: "ack")
            #expect(retry["status"].string == "published" && retry["seq"].int == 3 && retry["duplicate"].bool == true)
            let again = try await moderator.request(
                ["type": "review", "item_id": live["id"].string ?? "", "decision": "reject"], expect: "review_item", expectError: true)
            #expect(again["code"].string == "already_decided")

            // Rejected: never published; the author is told, and a retry is refused.
            _ = try await author.request(["type": "send", "channel_id": scene.group, "client_message_id": "a4", "body": "SCAM alert"], expect: "ack")
            let second = try await moderator.next("review_item", where: { $0["item"]["state"].string == "pending" })["item"]
            let decided = try await api.call(
                .post, "/v1/chambers/\(scene.room.chamberID)/moderation/queue/\(second["id"].string ?? "")/decision",
                token: scene.room.admin.accessToken, json: ["decision": "reject", "reason": "no shouting about scams"])
            #expect(decided.status == .ok && decided.json["state"].string == "rejected")
            let rejected = try await author.next("moderation_notice", where: { $0["kind"].string == "held_rejected" })
            #expect(rejected["client_message_id"].string == "a4" && rejected["reason"].string == "no shouting about scams")
            let refused = try await author.request(
                ["type": "send", "channel_id": scene.group, "client_message_id": "a4", "body": "SCAM alert"], expect: "ack", expectError: true)
            #expect(refused["code"].string == "message_rejected")
            #expect(try await reader.all("message").isEmpty)
            let history = try await reader.request(["type": "history", "channel_id": scene.group], expect: "history")
            #expect(history["messages"].array.map { $0["seq"].int } == [1, 2, 3])
            #expect(
                try await api.call(.get, "/v1/chambers/\(scene.room.chamberID)/moderation/queue?state=rejected", token: scene.moderator.accessToken)
                    .json["items"].array.map { $0["id"].string } == [second["id"].string])

            let actions = try await Self.audit(api, scene, "&action=moderation.").compactMap { $0["action"].string }
            #expect(actions.filter { $0 == "moderation.held" }.count == 2)
            #expect(actions.contains("moderation.held_approved") && actions.contains("moderation.held_rejected"))
        }
        // A chamber that chooses masking: the author is told what was published and by which rule.
        try await withServer(backend, configure: { $0.wordListAction = "mask" }) { api in
            let scene = try await Self.scene(api)
            let author = try await HubTests.socket(api, scene.room.members[0], scene.room.chamberID)
            let ack = try await author.request(
                ["type": "send", "channel_id": scene.group, "client_message_id": "m", "body": "what a s c a m"], expect: "ack")
            #expect(ack["status"].string == "published")
            let stored =
                try await author.request(["type": "history", "channel_id": scene.group], expect: "history")["messages"][0]["body"].string ?? ""
            #expect(stored.hasPrefix("what a ") && !stored.lowercased().contains("s c a m"))
            #expect(ack["body"].string == stored && ack["changed_by"].array.compactMap(\.string) == ["word_list"])
            let retry = try await author.request(
                ["type": "send", "channel_id": scene.group, "client_message_id": "m", "body": "what a s c a m"], expect: "ack")
            #expect(retry["duplicate"].bool == true && retry["body"].string == stored, "a retry's ack says the body was changed too")
        }
    }

    @Test("a member's report reaches the queue and online moderators at once; rejecting it deletes the message", arguments: TestBackend.enabled)
    func reports(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let scene = try await Self.scene(api)
            let author = try await HubTests.socket(api, scene.room.members[0], scene.room.chamberID)
            let reporter = try await HubTests.socket(api, scene.room.members[1], scene.room.chamberID)
            let moderator = try await HubTests.socket(api, scene.moderator, scene.room.chamberID)
            let admin = try await HubTests.socket(api, scene.room.admin, scene.room.chamberID)
            try await reporter.request(["type": "subscribe", "channel_id": scene.group], expect: "subscribed")
            let sent = try await author.request(
                ["type": "send", "channel_id": scene.group, "client_message_id": "p", "body": "Buy my course, DM me"], expect: "ack")
            let messageID = sent["message_id"].string ?? ""

            try await reporter.request(["type": "report", "message_id": messageID, "reason": "unsolicited sales pitch"], expect: "ok")
            let seen = try await moderator.next("review_item")["item"]
            #expect(seen["kind"].string == "report" && seen["message_id"].string == messageID && seen["reports"].int == 1)
            #expect(seen["reason"].string == "unsolicited sales pitch" && seen["body"].string == "Buy my course, DM me")
            #expect(try await admin.next("review_item")["item"]["id"] == seen["id"], "every online moderator, admins included")
            #expect(try await author.all("review_item").isEmpty && reporter.pending("review_item").isEmpty, "members do not see the queue")
            let twice = try await reporter.request(["type": "report", "message_id": messageID, "reason": "again"], expect: "ok", expectError: true)
            #expect(twice["code"].string == "already_reported")
            let own = try await author.request(["type": "report", "message_id": messageID, "reason": "me"], expect: "ok", expectError: true)
            #expect(own["code"].string == "validation_failed")
            let rest = try await api.call(
                .post, "/v1/chambers/\(scene.room.chamberID)/messages/\(messageID)/reports", token: scene.moderator.accessToken,
                json: ["reason": "seen it too"])
            #expect(rest.status == .noContent)
            #expect(try await moderator.next("review_item")["item"]["reports"].int == 2, "one item per message, counting its reports")
            let denied = try await reporter.request(["type": "review_queue"], expect: "review_queue", expectError: true)
            #expect(denied["code"].string == "forbidden")

            try await moderator.request(
                ["type": "review", "item_id": seen["id"].string ?? "", "decision": "reject", "reason": "no selling in the lounge"],
                expect: "review_item")
            let deleted = try await reporter.next("message_deleted")
            #expect(deleted["message"]["id"].string == messageID && deleted["message"]["body"].string == "")
            let removed = try await author.next("moderation_notice")
            #expect(
                removed["kind"].string == "message_removed" && removed["message_id"].string == messageID
                    && removed["reason"].string == "no selling in the lounge")
            let audit = try await Self.audit(api, scene, "&action=moderation.report_rejected")
            #expect(
                audit.count == 1 && audit.first?["actor_id"].string == scene.moderator.userID
                    && audit.first?["reason"].string == "no selling in the lounge")
        }
    }

    @Test(
        "mute, slow mode, lock, kick and ban take effect at once; refusals are never stored; the audit log lists every action",
        arguments: TestBackend.enabled)
    func actions(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let scene = try await Self.scene(api)
            let chamber = scene.room.chamberID
            let member = try await HubTests.socket(api, scene.room.members[0], chamber)
            let other = try await HubTests.socket(api, scene.room.members[1], chamber)
            let moderator = try await HubTests.socket(api, scene.moderator, chamber)
            try await other.request(["type": "subscribe", "channel_id": scene.group], expect: "subscribed")
            try await member.request(["type": "subscribe", "channel_id": scene.group], expect: "subscribed")
            func send(_ client: WSTestClient, _ id: String) async throws -> JSON {
                try await client.request(
                    ["type": "send", "channel_id": scene.group, "client_message_id": id, "body": "hello \(id)"], expect: "ack", expectError: true)
            }

            // Mute in the channel, for ten minutes.
            let muted = try await moderator.request(
                [
                    "type": "moderate", "action": "mute", "user_id": scene.room.members[0].userID, "channel_id": scene.group,
                    "duration_seconds": 600, "reason": "cool down",
                ], expect: "moderated")
            #expect(muted["outcome"]["sanction"]["kind"].string == "mute" && muted["outcome"]["sanction"]["expires_at"].string != nil)
            #expect(try await member.next("moderation_notice")["kind"].string == "muted")
            let refused = try await send(member, "m1")
            #expect(refused["code"].string == "user_muted" && (refused["retry_after_seconds"].int ?? 0) > 300)
            let rest = try await api.call(
                .post, "/v1/chambers/\(chamber)/channels/\(scene.group)/messages", token: scene.room.members[0].accessToken,
                json: ["client_message_id": "m1", "body": "over REST then"])
            #expect(rest.status == .forbidden && rest.json["error"]["code"].string == "user_muted")
            #expect(try await send(other, "o1")["status"].string == "published", "others are not muted")
            let upward = try await moderator.request(
                ["type": "moderate", "action": "mute", "user_id": scene.room.admin.userID], expect: "moderated", expectError: true)
            #expect(upward["code"].string == "forbidden", "a moderator cannot mute an admin")
            let byMember = try await other.request(
                ["type": "moderate", "action": "mute", "user_id": scene.room.members[0].userID], expect: "moderated", expectError: true)
            #expect(byMember["code"].string == "forbidden")
            let unmuted = try await api.call(
                .post, "/v1/chambers/\(chamber)/moderation/actions", token: scene.moderator.accessToken,
                json: ["action": "unmute", "user_id": scene.room.members[0].userID, "channel_id": scene.group])
            #expect(unmuted.status == .ok && unmuted.json["lifted"].array.count == 1)
            #expect(try await send(member, "m1")["status"].string == "published")

            // Slow mode: one message an hour for members; moderators are exempt.
            let slow = try await api.call(
                .post, "/v1/chambers/\(chamber)/moderation/actions", token: scene.moderator.accessToken,
                json: ["action": "slow_mode", "channel_id": scene.group, "seconds": 3600, "reason": "busy hour"])
            #expect(slow.json["channel"]["slow_mode_seconds"].int == 3600)
            #expect(try await member.next("channel_changed")["channel_id"].string == scene.group)
            let tooSoon = try await send(member, "m2")
            #expect(tooSoon["code"].string == "slow_mode" && (tooSoon["retry_after_seconds"].int ?? 0) > 3000)
            #expect(try await send(moderator, "x1")["status"].string == "published")
            try await moderator.request(["type": "moderate", "action": "slow_mode", "channel_id": scene.group, "seconds": 0], expect: "moderated")
            #expect(try await send(member, "m2")["status"].string == "published")

            // Lock: only moderators post.
            let locked = try await moderator.request(
                ["type": "moderate", "action": "lock", "channel_id": scene.group, "reason": "heated"], expect: "moderated")
            #expect(locked["outcome"]["channel"]["locked_at"].string != nil)
            #expect(try await send(member, "m3")["code"].string == "channel_locked")
            #expect(try await send(moderator, "x2")["status"].string == "published")
            try await moderator.request(["type": "moderate", "action": "unlock", "channel_id": scene.group], expect: "moderated")
            #expect(try await send(member, "m3")["status"].string == "published")

            // Kick: the subscription ends at once, posting is refused, the channel is gone from the list.
            try await moderator.request(
                [
                    "type": "moderate", "action": "kick", "user_id": scene.room.members[0].userID, "channel_id": scene.group,
                    "reason": "off topic",
                ], expect: "moderated")
            #expect(try await member.next("moderation_notice", where: { $0["kind"].string == "kicked" })["channel_id"].string == scene.group)
            _ = try await member.all("message")
            _ = try await send(other, "o2")
            #expect(try await member.all("message").isEmpty, "a kicked member receives nothing more")
            #expect(try await send(member, "m4")["code"].string == "channel_not_found")

            // Ban: every socket closes with 4505; auth and REST are refused until unbanned.
            let second = try await HubTests.socket(api, scene.room.members[0], chamber)
            try await moderator.request(
                ["type": "moderate", "action": "ban", "user_id": scene.room.members[0].userID, "reason": "spam"], expect: "moderated")
            #expect(try await second.next("moderation_notice")["kind"].string == "banned")
            #expect(try await member.closeCode() == 4505)
            #expect(try await second.closeCode() == 4505)
            let back = WSTestClient(port: api.client.port!, chamberID: nil, token: nil)
            back.send(["type": "auth", "token": scene.room.members[0].accessToken, "chamber_id": chamber])
            #expect(try await back.next("error")["code"].string == "user_banned")
            #expect(try await back.closeCode() == 4505)
            let upgrade = try await api.call(.get, "/v1/ws?chamber_id=\(chamber)&access_token=\(scene.room.members[0].accessToken)")
            #expect(
                upgrade.status == .forbidden && upgrade.json["error"]["code"].string == "user_banned",
                "an upgrade with the token is refused with the reason")
            let banned = try await api.call(.get, "/v1/chambers/\(chamber)", token: scene.room.members[0].accessToken)
            #expect(banned.status == .forbidden && banned.json["error"]["code"].string == "user_banned")
            let sanctions = try await api.call(.get, "/v1/chambers/\(chamber)/moderation/sanctions", token: scene.moderator.accessToken)
            #expect(Set(sanctions.json["items"].array.compactMap { $0["kind"].string }) == ["kick", "ban"])
            try await moderator.request(["type": "moderate", "action": "unban", "user_id": scene.room.members[0].userID], expect: "moderated")
            _ = try await HubTests.socket(api, scene.room.members[0], chamber)

            // Nothing refused was stored.
            let bodies = try await other.request(["type": "history", "channel_id": scene.group], expect: "history")["messages"].array.compactMap {
                $0["body"].string
            }
            #expect(bodies == ["hello o1", "hello m1", "hello x1", "hello m2", "hello x2", "hello m3", "hello o2"])

            // The audit log lists each action, by whom, with the reason; filters narrow it; CSV has every row.
            let entries = try await Self.audit(api, scene, "&action=moderation.")
            #expect(
                entries.compactMap { $0["action"].string }.reversed() == [
                    "moderation.mute", "moderation.unmute", "moderation.slow_mode", "moderation.slow_mode",
                    "moderation.lock", "moderation.unlock", "moderation.kick", "moderation.ban", "moderation.unban",
                ])
            #expect(entries.allSatisfy { $0["actor_id"].string == scene.moderator.userID })
            #expect(entries.first { $0["action"].string == "moderation.ban" }?["reason"].string == "spam")
            #expect(entries.first { $0["action"].string == "moderation.ban" }?["target"].string == "user:\(scene.room.members[0].userID)")
            let bans = try await Self.audit(api, scene, "&action=moderation.ban&target=user:\(scene.room.members[0].userID)")
            #expect(bans.count == 1)
            let forChannel = try await Self.audit(api, scene, "&target=channel:\(scene.group)")
            #expect(forChannel.count == 4, "slow mode twice, lock, unlock")
            let csv = try await api.call(.get, "/v1/chambers/\(chamber)/audit-log/export?action=moderation.", token: scene.room.admin.accessToken)
            #expect(csv.status == .ok && csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = String(decoding: csv.body, as: UTF8.self).split(separator: "\r\n")
            #expect(lines.first == "id,at,actor_id,action,target,detail,reason" && lines.count == 10)
            #expect(lines.contains { $0.contains(",moderation.ban,") && $0.hasSuffix(",spam") })
            let bad = try await api.call(.get, "/v1/chambers/\(chamber)/audit-log?since=yesterday", token: scene.room.admin.accessToken)
            #expect(bad.status == .badRequest && bad.json["error"]["field"].string == "since")
            let notAllowed = try await api.call(.get, "/v1/chambers/\(chamber)/audit-log/export", token: scene.room.members[1].accessToken)
            #expect(notAllowed.status == .forbidden)
        }
    }

    @Test(
        "an admin sets the chamber's own rules: they apply to its sends at once, not to another chamber's; unworkable rules are refused naming the field",
        arguments: TestBackend.enabled)
    func chamberRules(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let scene = try await Self.scene(api)
            let chamber = scene.room.chamberID
            let path = "/v1/chambers/\(chamber)/moderation/settings"
            let before = try await api.call(.get, path, token: scene.moderator.accessToken)
            #expect(before.status == .ok && before.json["effective"]["links"]["policy"].string == "allow" && before.json["own"]["links"].isNull)

            let set = try await api.call(
                .put, path, token: scene.room.admin.accessToken,
                json: [
                    "links": ["policy": "block"], "words": ["synergy"], "word_list_action": "reject",
                    "flood": ["messages": 6, "window_seconds": 3600],
                ])
            #expect(
                set.status == .ok && set.json["effective"]["links"]["policy"].string == "block" && set.json["effective"]["mentions"]["max"].int == 10)
            #expect(set.json["own"]["words"].array.compactMap(\.string) == ["synergy"])
            let member = try await HubTests.socket(api, scene.room.members[0], chamber)
            func send(_ id: String, _ body: String) async throws -> JSON {
                try await member.request(
                    ["type": "send", "channel_id": scene.group, "client_message_id": id, "body": body], expect: "ack", expectError: true)
            }
            #expect(try await send("l", "see https://example.com")["code"].string == "links_not_allowed")
            #expect(try await send("w", "pure s y n e r g y")["code"].string == "message_rejected", "the chamber's word, through a disguise")
            #expect(try await send("s", "scam")["code"].string == "message_rejected", "the server's words stay listed")
            // Every attempt counts toward the flood limit (6 an hour here), refused ones included.
            for index in 0..<3 { #expect(try await send("ok\(index)", "hello \(index)")["status"].string == "published") }
            #expect(try await send("f", "one more")["code"].string == "flood_limited", "the chamber's flood limit")

            // Another chamber still runs the defaults.
            let other = try await HubTests.room(api, members: 1)
            let otherGroup =
                try await api.call(
                    .post, "/v1/chambers/\(other.chamberID)/channels", token: other.admin.accessToken,
                    json: ["kind": "group", "name": "Elsewhere", "members": [other.members[0].userID]]
                ).json["id"].string ?? ""
            let elsewhere = try await api.call(
                .post, "/v1/chambers/\(other.chamberID)/channels/\(otherGroup)/messages", token: other.members[0].accessToken,
                json: ["client_message_id": "x", "body": "synergy all round"])
            #expect(elsewhere.status == .created && elsewhere.json["message"]["body"].string == "synergy all round")

            // Refused, naming the field; nothing stored.
            let backtracking = try await api.call(
                .put, path, token: scene.room.admin.accessToken,
                json: ["patterns": [["name": "evil", "pattern": "(a+)+$", "action": "reject"]]])
            #expect(backtracking.status == .badRequest && backtracking.json["error"]["code"].string == "invalid_moderation_rule")
            #expect(backtracking.json["error"]["field"].string == "patterns[0].pattern")
            let typo = try await api.call(.put, path, token: scene.room.admin.accessToken, json: ["links": ["polcy": "block"]])
            #expect(typo.status == .badRequest && typo.json["error"]["field"].string == "links.polcy")
            // The decoder's own words (Swift type names) are never shown: the field, and what is wrong, in ours.
            for (body, field) in [(["word_list_action": "vanish"], "word_list_action"), (["flood": ["messages": "six"]], "flood.messages")]
                as [([String: Any], String)]
            {
                let wrong = try await api.call(.put, path, token: scene.room.admin.accessToken, json: body)
                let message = wrong.json["error"]["message"].string ?? ""
                #expect(wrong.status == .badRequest && wrong.json["error"]["field"].string == field, "\(wrong.json)")
                #expect(!message.contains("Cannot initialize") && !message.contains("Swift") && !message.contains("CodingKeys"), "\(message)")
            }
            let byModerator = try await api.call(.put, path, token: scene.moderator.accessToken, json: ["links": ["policy": "allow"]])
            #expect(byModerator.status == .forbidden)
            #expect(try await api.call(.get, path, token: scene.room.members[0].accessToken).status == .forbidden)
            let after = try await api.call(.get, path, token: scene.room.admin.accessToken)
            #expect(after.json["own"]["links"]["policy"].string == "block", "refused changes stored nothing")
            let audit = try await Self.audit(api, scene, "&action=moderation.settings_changed")
            #expect(audit.count == 1 && audit.first?["actor_id"].string == scene.room.admin.userID)
        }
    }

    @Test("a member flooding a channel is refused with a retry hint; the others' messages go on", arguments: [TestBackend.sqlite])
    func flood(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let scene = try await Self.scene(api)
            let flooder = try await HubTests.socket(api, scene.room.members[0], scene.room.chamberID)
            let other = try await HubTests.socket(api, scene.room.members[1], scene.room.chamberID)
            // All 22 go out at once: the window is counted as the server takes them, so a slow machine that takes
            // seconds to answer each one cannot let the first ones age out of the window.
            for index in 0..<22 {
                flooder.send(["type": "send", "id": "f\(index)", "channel_id": scene.group, "client_message_id": "f\(index)", "body": "buy \(index)"])
            }
            var codes: [String] = []
            for index in 0..<22 {
                let reply = try await flooder.next(
                    "*", where: { ["ack", "error"].contains($0["type"].string) && $0["id"].string == "f\(index)" }, timeout: .seconds(30))
                codes.append(reply["type"].string == "ack" ? "ack" : reply["code"].string ?? "?")
            }
            #expect(codes == Array(repeating: "ack", count: 20) + ["flood_limited", "flood_limited"], "20 per 10 s by the default rules")
            let ack = try await other.request(
                ["type": "send", "channel_id": scene.group, "client_message_id": "o", "body": "meanwhile"], expect: "ack")
            #expect(ack["status"].string == "published" && ack["seq"].int == 21)
        }
    }
}
