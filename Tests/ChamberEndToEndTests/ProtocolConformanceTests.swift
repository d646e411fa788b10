import ChamberDomain
import ChamberHTTP
import ChamberRealtime
import ChamberServer
import ChamberTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import Testing

/// Where a client written from `Protocol/` alone found the server disagreeing with the documents: each case through
/// a real socket, holding the server to what websocket.md says.
@Suite("Protocol conformance: what a client written from the documents expects")
struct ProtocolConformanceTests {
    /// With a 12 s ping period, a token ending 20 s after the socket opens (within two periods) is watched by a timer
    /// from the start; one ending in 45 s is left to the keepalive sweep until its end is near. The lifetimes are long
    /// enough for the token to outlive the upgrade on a loaded machine. Either way the socket closes with 4003 once the
    /// token's lifetime and grace are over, and not before.
    @Test("a socket closes with 4003 when its token's lifetime and grace run out (§2.4, §9)", arguments: [20, 45])
    func tokenExpiryCloses(_ lifetime: Int) async throws {
        let configure: (inout ServerConfiguration) -> Void = { configuration in
            configuration.tokenGraceSeconds = 0
            configuration.pingIntervalSeconds = 12
        }
        try await withServer(.sqlite, configure: configure) { api in
            let room = try await HubTests.room(api, members: 1)
            let member = room.members[0]
            let token = try await JWTAccessTokenIssuer(secret: testJWTSecret).issue(
                AccessClaims(
                    userID: UserID(member.userID), sessionID: SessionID(member.sessionID),
                    expiresAt: Date().addingTimeInterval(TimeInterval(lifetime))))
            let opened = ContinuousClock.now
            let socket = WSTestClient(port: api.client.port!, chamberID: room.chamberID, token: token)
            try await socket.welcome()
            // The client keeps talking, so a pong answered late on a busy machine is not taken for a dead peer (that
            // close carries no code).
            let chatter = Task {
                while !Task.isCancelled {
                    socket.send(["type": "ping"])
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
            defer { chatter.cancel() }
            // A wide wait: when the whole suite runs at once on two cores, the keepalive sweep can be late by seconds;
            // what is held is the code and that it did not come before the token ended (the wait covers the lifetime,
            // a late sweep and a late timer).
            let code = try await socket.closeCode(timeout: .seconds(90))
            let lived = ContinuousClock.now - opened
            #expect(code == CloseCode.tokenExpired.rawValue, "closed with \(String(describing: code))")
            #expect(lived >= .seconds(lifetime - 1), "closed after \(lived), before the token ended")
        }
    }

    @Test("a frame that is JSON but not an object is malformed_json, without id (§3)", arguments: TestBackend.enabled)
    func nonObjectFrames(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 1)
            let socket = try await HubTests.socket(api, room.members[0], room.chamberID)
            for text in ["[1,2]", "42", "null", "\"send\"", "{\"type\":"] {
                socket.sendRaw(text)
                let error = try await socket.next("error")
                #expect(error["code"].string == "malformed_json" && error["id"].isNull, "\(text): \(error)")
            }
            try await socket.request(["type": "ping"], expect: "pong")
        }
    }

    @Test("a wrong-typed or missing field is named as the wire spells it, and the error repeats the frame's id (§3)", arguments: TestBackend.enabled)
    func fieldErrors(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 1)
            let socket = try await HubTests.socket(api, room.members[0], room.chamberID)
            let channel = UUID().uuidString.lowercased()
            let cases: [([String: Any], String, String)] = [
                (["type": "send", "channel_id": 5, "client_message_id": "c"], "validation_failed", "channel_id"),
                (["type": "send", "channel_id": channel], "validation_failed", "client_message_id"),
                (
                    [
                        "type": "send", "channel_id": channel, "client_message_id": "c",
                        "attachments": [["url": "https://x.org/a.pdf", "content_type": 7, "size": 1]],
                    ], "validation_failed", "attachments[0].content_type"
                ),
                (["type": "history", "channel_id": channel, "before": "ten"], "validation_failed", "before"),
                (["type": "moderate", "action": "mute", "duration_seconds": "long"], "validation_failed", "duration_seconds"),
                (["type": "open_direct", "user_id": "not-a-uuid"], "invalid_identifier", "user_id"),
                (["type": "no_such_frame"], "unknown_frame_type", "type"),
                (["type": 3], "validation_failed", "type"),
                (["kind": "send"], "validation_failed", "type"),
            ]
            for (frame, code, field) in cases {
                let error = try await socket.request(frame, expect: "none", expectError: true)
                #expect(error["type"].string == "error" && error["code"].string == code && error["field"].string == field, "\(frame): \(error)")
            }
        }
    }

    @Test("moderators, staff and admins are published exactly as written (§15)", arguments: TestBackend.enabled)
    func moderatorsExempt(_ backend: TestBackend) async throws {
        try await withServer(backend, configure: { $0.wordListAction = "mask" }) { api in
            let room = try await HubTests.room(api, members: 1)
            let staff = try await api.signUp("staff")
            try await api.addMember(staff, to: room.chamberID, role: "staff", by: room.admin)
            let moderator = try await api.signUp("mod")
            try await api.addMember(moderator, to: room.chamberID, role: "moderator", by: room.admin)
            let admin = try await HubTests.socket(api, room.admin, room.chamberID)
            let group =
                try await admin.request(
                    [
                        "type": "create_channel", "kind": "group", "name": "Board",
                        "members": [room.members[0].userID, staff.userID, moderator.userID],
                    ], expect: "channel")["channel"]["id"].string ?? ""
            try await admin.request(["type": "subscribe", "channel_id": group], expect: "subscribed")
            for (index, account) in [room.admin, staff, moderator].enumerated() {
                let socket = index == 0 ? admin : try await HubTests.socket(api, account, room.chamberID)
                let body = "Quoting the report: this is a SCAM, said the caller"
                let ack = try await socket.request(
                    ["type": "send", "channel_id": group, "client_message_id": "x\(index)", "body": body], expect: "ack")
                #expect(ack["status"].string == "published" && ack["body"].isNull, "\(ack)")
                #expect(
                    try await admin.next("message", where: { $0["message"]["client_message_id"].string == "x\(index)" })["message"]["body"].string
                        == body)
            }
            let member = try await HubTests.socket(api, room.members[0], room.chamberID)
            let masked = try await member.request(
                ["type": "send", "channel_id": group, "client_message_id": "m", "body": "this is a SCAM"], expect: "ack")
            #expect(masked["body"].string == "this is a ****", "members are still held to the rules")
        }
    }

    @Test("<@USER_ID> mentions count against the chamber's mention limit (§4.7, §15)", arguments: TestBackend.enabled)
    func protocolMentionsCount(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 4)
            let set = try await api.call(
                .put, "/v1/chambers/\(room.chamberID)/moderation/settings", token: room.admin.accessToken, json: ["mentions": ["max": 2]])
            #expect(set.status == .ok, "\(set.json)")
            let author = try await HubTests.socket(api, room.members[0], room.chamberID)
            let others = room.members.dropFirst().map(\.userID)
            let group =
                try await author.request(
                    ["type": "create_channel", "kind": "group", "name": "Lunch", "members": Array(others)],
                    expect: "channel")["channel"]["id"].string ?? ""
            let two = others.prefix(2).map { "<@\($0)>" }.joined(separator: " ")
            let ok = try await author.request(
                ["type": "send", "channel_id": group, "client_message_id": "two", "body": "lunch? \(two)"], expect: "ack")
            #expect(ok["status"].string == "published")
            let three = others.map { "<@\($0)>" }.joined()
            let refused = try await author.request(
                ["type": "send", "channel_id": group, "client_message_id": "three", "body": "lunch? \(three)"],
                expect: "ack", expectError: true)
            #expect(refused["code"].string == "too_many_mentions" && refused["field"].string == "mentions", "\(refused)")
        }
    }

    @Test(
        "a chamber that opts in to toning down shouting: the author is told, and numbers, links and addresses stay as written (§4.7)",
        arguments: TestBackend.enabled)
    func optInRewriteIsTold(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 1)
            let set = try await api.call(
                .put, "/v1/chambers/\(room.chamberID)/moderation/settings", token: room.admin.accessToken,
                json: [
                    "shouting": ["min_letters": 12, "caps_ratio": 0.7, "max_repeat": 4],
                    "links": ["policy": "allow", "new_member_days": 0],
                ])
            #expect(set.status == .ok, "\(set.json)")
            let admin = try await HubTests.socket(api, room.admin, room.chamberID)
            let member = try await HubTests.socket(api, room.members[0], room.chamberID)
            let group =
                try await admin.request(
                    ["type": "create_channel", "kind": "group", "name": "News", "members": [room.members[0].userID]],
                    expect: "channel")["channel"]["id"].string ?? ""
            try await admin.request(["type": "subscribe", "channel_id": group], expect: "subscribed")
            let announcement = "WE WON THE AWARD TONIGHT. Grant approved: $1000000"
            let adminAck = try await admin.request(
                ["type": "send", "channel_id": group, "client_message_id": "a", "body": announcement], expect: "ack")
            #expect(adminAck["body"].isNull && adminAck["changed_by"].isNull)
            #expect(try await admin.next("message")["message"]["body"].string == announcement)

            let shout = "GRANT APPROVED: $1000000!!!!!!! CALL 555-0000000 OR SEE HTTPS://X.ORG/AAAAAAA.PDF OR MAIL ADA@X.ORG"
            let ack = try await member.request(["type": "send", "channel_id": group, "client_message_id": "m", "body": shout], expect: "ack")
            let published = "Grant approved: $1000000!!!!!!! call 555-0000000 or see HTTPS://X.ORG/AAAAAAA.PDF or mail ADA@X.ORG"
            #expect(ack["status"].string == "published" && ack["body"].string == published, "\(ack)")
            #expect(ack["changed_by"].array.compactMap(\.string) == ["caps_repetition"])
            #expect(try await admin.next("message")["message"]["body"].string == published)
        }
    }

    @Test("a presence cursor the server did not issue is invalid_cursor; issued ones page (§4.21)", arguments: TestBackend.enabled)
    func presenceCursor(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 2)
            let sockets = [
                try await HubTests.socket(api, room.members[0], room.chamberID), try await HubTests.socket(api, room.members[1], room.chamberID),
            ]
            for cursor in ["bogus", "u-not-a-user", "o1", ""] {
                let refused = try await sockets[0].request(["type": "presence", "cursor": cursor], expect: "presence", expectError: true)
                #expect(
                    refused["type"].string == "error" && refused["code"].string == "invalid_cursor" && refused["field"].string == "cursor",
                    "\(cursor): \(refused)")
            }
            let first = try await sockets[0].request(["type": "presence", "limit": 1], expect: "presence")
            #expect(first["users"].array.count == 1 && first["online_count"].int == 2)
            let next = try await sockets[0].request(
                ["type": "presence", "limit": 1, "cursor": first["next_cursor"].string ?? ""], expect: "presence")
            #expect(next["users"].array.count == 1 && next["next_cursor"].isNull)
            #expect(next["users"][0]["user_id"].string != first["users"][0]["user_id"].string)
        }
    }

    @Test("archiving an archived channel changes nothing: archived_at stays to the millisecond (§4.20)", arguments: TestBackend.enabled)
    func archiveTwice(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 0)
            let admin = try await HubTests.socket(api, room.admin, room.chamberID)
            for attempt in 0..<5 {
                let group =
                    try await admin.request(["type": "create_channel", "kind": "group", "name": "Old \(attempt)"], expect: "channel")["channel"]["id"]
                    .string ?? ""
                let first = try await admin.request(["type": "archive", "channel_id": group], expect: "channel")["channel"]["archived_at"].string
                let second = try await admin.request(["type": "archive", "channel_id": group], expect: "channel")["channel"]["archived_at"].string
                let stored = try await admin.request(["type": "channels"], expect: "channels")["items"].array
                    .first { $0["channel"]["id"].string == group }?["channel"]["archived_at"].string
                #expect(first != nil && first == second && second == stored, "\(first ?? "-") / \(second ?? "-") / \(stored ?? "-")")
            }
        }
    }
}

extension ProtocolConformanceTests {

    @Test("a refused upgrade is answered like a REST call: status and error body (§2.2)", arguments: TestBackend.enabled)
    func refusedUpgrades(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 1)
            let stranger = try await api.signUp("stranger")
            let token = room.members[0].accessToken
            let cases: [(String, Int, String, String?)] = [
                ("/v1/ws?chamber_id=\(room.chamberID)&access_token=forged", 401, "token_invalid", nil),
                ("/v1/ws?access_token=\(token)", 400, "validation_failed", "chamber_id"),
                ("/v1/ws?chamber_id=not-a-uuid&access_token=\(token)", 400, "invalid_identifier", "chamber_id"),
                ("/v1/ws?chamber_id=\(UUID().uuidString.lowercased())&access_token=\(token)", 404, "chamber_not_found", nil),
                ("/v1/ws?chamber_id=\(room.chamberID)&access_token=\(stranger.accessToken)", 404, "chamber_not_found", nil),
            ]
            // Sent byte for byte as a WebSocket client does (HTTP client libraries drop the upgrade headers).
            let port = api.client.port!
            for (path, status, code, field) in cases {
                let answer = await RawHTTP.upgrade(port: port, path: path)
                #expect(answer?.status == status && answer?.json["error"]["code"].string == code, "\(path): \(String(describing: answer))")
                #expect(answer?.headers["x-request-id"]?.isEmpty == false, "every answer carries X-Request-Id (openapi.yaml)")
                if let field { #expect(answer?.json["error"]["field"].string == field) }
            }
            // In the Authorization header too.
            let header = await RawHTTP.upgrade(port: port, path: "/v1/ws?chamber_id=\(room.chamberID)", token: "forged")
            #expect(header?.status == 401 && header?.json["error"]["code"].string == "token_invalid")
            // A banned member: 403 user_banned.
            let ban = try await api.call(
                .post, "/v1/chambers/\(room.chamberID)/moderation/actions", token: room.admin.accessToken,
                json: ["action": "ban", "user_id": room.members[0].userID, "reason": "spam"])
            #expect(ban.status == .ok, "\(ban.json)")
            let banned = await RawHTTP.upgrade(port: port, path: "/v1/ws?chamber_id=\(room.chamberID)&access_token=\(token)")
            #expect(banned?.status == 403 && banned?.json["error"]["code"].string == "user_banned")
            // Without the conformance flag the echo endpoint does not exist.
            #expect(await RawHTTP.upgrade(port: port, path: "/v1/conformance/echo")?.status == 404)
        }
    }
}

extension ProtocolConformanceTests {
    @Test("a session that ends closes its live sockets at once with 4503; other sessions' sockets stay (§11)", arguments: TestBackend.enabled)
    func revokedSessionsCloseSockets(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 1)
            let member = room.members[0]
            let phone = try await api.logIn(email: member.email, password: member.password)
            let laptop = try await api.logIn(email: member.email, password: member.password)
            let first = try await HubTests.socket(api, member, room.chamberID)
            let onPhone = try await HubTests.socket(api, phone, room.chamberID)
            let onLaptop = try await HubTests.socket(api, laptop, room.chamberID)

            // Logging out on the phone closes the phone's socket only.
            #expect(try await api.call(.post, "/v1/auth/logout", token: phone.accessToken).status == .noContent)
            #expect(try await onPhone.closeCode(timeout: .seconds(30)) == 4503)
            try await onLaptop.request(["type": "ping"], expect: "pong")

            // Revoking the laptop's session from the first one closes the laptop's socket.
            #expect(try await api.call(.delete, "/v1/auth/sessions/\(laptop.sessionID)", token: member.accessToken).status == .noContent)
            #expect(try await onLaptop.closeCode(timeout: .seconds(30)) == 4503)
            try await first.request(["type": "ping"], expect: "pong")

            // A password change signs every other session out: a fourth session's socket closes, the changer's stays.
            let tablet = try await api.logIn(email: member.email, password: member.password)
            let onTablet = try await HubTests.socket(api, tablet, room.chamberID)
            let changed = try await api.call(
                .post, "/v1/auth/password", token: member.accessToken,
                json: ["current_password": member.password, "new_password": "another fine passphrase"])
            #expect(changed.status == .noContent, "\(changed.json)")
            #expect(try await onTablet.closeCode(timeout: .seconds(30)) == 4503)
            try await first.request(["type": "ping"], expect: "pong")
        }
    }
}

extension ProtocolConformanceTests {
    /// A socket stand-in for a session driven directly.
    final class DiscardingSink: FrameSink, Sendable {
        let eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()
        var isWritable: Bool { true }
        func write(_ frame: ByteBuffer) {}
        func flush() {}
        func abort() {}
    }

    @Test("a socket that went away while its token was being checked leaves no connection behind in the hub", arguments: TestBackend.enabled)
    func noGhostConnections(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 1)
            let (node, hub) = (api.node, api.node.realtime.hub)
            let services = HubSession.Services(
                hub: hub, accounts: node.services.accounts, chambers: node.services.chambers, chat: node.realtime.chat,
                moderation: node.realtime.moderation, logger: Logger(label: "test"))
            let session = HubSession(services, chamberID: room.chamberID, sink: DiscardingSink())
            // The transport ends the session (the peer left) while the authentication it started is still running.
            session.finish()
            await #expect(throws: ChamberError.self) { try await session.authenticate(token: room.members[0].accessToken, chamberID: nil) }
            #expect(hub.connectionCount == 0 && session.connection == nil)
            #expect(hub.status(of: UserID(room.members[0].userID), in: ChamberID(room.chamberID)) == .offline)
        }
    }
}
