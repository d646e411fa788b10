import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

/// Pushes to Android (and iOS through Firebase), end to end: a running server with a service-account key, offline
/// members with FCM tokens, and Google's token endpoint and FCM's send endpoint played by a server of ours that
/// verifies the RS256 grant and the message's shape.
@Suite("Notifications: FCM HTTP v1 with OAuth2 from a service account")
struct FCMDeliveryTests {
    static func withFCM(_ backend: TestBackend, _ test: @escaping @Sendable (TestAPI, FakeFCMService) async throws -> Void) async throws {
        try await FakeFCMService.run { fcm in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fcm-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let keyFile = folder.appendingPathComponent("service-account.json").path
            try fcm.serviceAccountJSON().write(toFile: keyFile, atomically: true, encoding: .utf8)
            try await withServer(
                backend, isolated: true,
                configure: {
                    $0.fcmServiceAccountFile = keyFile
                    $0.fcmEndpoint = fcm.endpoint
                    $0.pushRetryBaseMs = 200
                }
            ) { api in
                try await test(api, fcm)
                #expect(fcm.refused.isEmpty, "FCM refused: \(fcm.refused)")
            }
        }
    }

    static func register(_ api: TestAPI, _ account: Account, token: String) async throws {
        let device = try await api.call(.post, "/v1/me/devices", token: account.accessToken, json: ["platform": "fcm", "fcm": ["token": token]])
        #expect(device.status == .created, "\(device.json)")
    }

    /// A room of two members, the second with a phone registered; the first's socket and their DM's channel.
    static func pairWithPhone(
        _ api: TestAPI, _ fcm: FakeFCMService
    ) async throws -> (
        room: HubTests.Room, phone: String, sender: WSTestClient, channelID: String
    ) {
        let room = try await HubTests.room(api, members: 2)
        let phone = fcm.register()
        try await Self.register(api, room.members[1], token: phone)
        let sender = try await HubTests.socket(api, room.members[0], room.chamberID)
        let dm = try await sender.request(["type": "open_direct", "user_id": room.members[1].userID], expect: "channel")
        return (room, phone, sender, dm["channel"]["id"].string ?? "")
    }

    /// Sends `body` from the first member to each of the others in a DM, from a socket.
    static func directMessages(_ api: TestAPI, _ room: HubTests.Room, body: String) async throws -> [String] {
        let sender = try await HubTests.socket(api, room.members[0], room.chamberID)
        var channels: [String] = []
        for (index, member) in room.members.dropFirst().enumerated() {
            let dm = try await sender.request(["type": "open_direct", "user_id": member.userID], expect: "channel")
            let channelID = dm["channel"]["id"].string ?? ""
            channels.append(channelID)
            try await sender.request(["type": "send", "channel_id": channelID, "client_message_id": "f-\(index)", "body": body], expect: "ack")
        }
        return channels
    }

    @Test("an offline member's DM reaches their phone once, with notification, data and platform overrides", arguments: TestBackend.enabled)
    func directMessage(_ backend: TestBackend) async throws {
        try await Self.withFCM(backend) { api, fcm in
            let room = try await HubTests.room(api, members: 3)
            let (first, second) = (fcm.register(), fcm.register())
            try await Self.register(api, room.members[1], token: first)
            try await Self.register(api, room.members[2], token: second)
            let channels = try await Self.directMessages(api, room, body: "Lunch at noon?")
            try await eventually("both pushes arrive") { fcm.received(by: first).count == 1 && fcm.received(by: second).count == 1 }
            let message = try #require(fcm.received(by: first).first).message
            #expect(message["notification"]["title"].string == "M0" && message["notification"]["body"].string == "Lunch at noon?")
            #expect(message["data"]["channel_id"].string == channels[0] && message["data"]["category"].string == "direct_messages")
            #expect(message["data"]["chamber_id"].string == room.chamberID && message["data"]["seq"].string == "1")
            let collapse = channels[0].replacingOccurrences(of: "-", with: "")
            #expect(message["android"]["collapse_key"].string == collapse && message["android"]["priority"].string == "HIGH")
            #expect(message["android"]["notification"]["notification_count"].int == 1)
            #expect(message["apns"]["headers"]["apns-collapse-id"].string == collapse && message["apns"]["payload"]["aps"]["badge"].int == 1)
            #expect(fcm.tokenRequests == 1, "one OAuth2 access token, cached for both sends")
            try await Task.sleep(for: .milliseconds(500))
            #expect(fcm.received.count == 2, "exactly once each")
        }
    }

    @Test(
        "a burst of DMs: each push tells the whole burst, so the phone shows \"3 new messages\" in place of the others",
        arguments: TestBackend.enabled)
    func burst(_ backend: TestBackend) async throws {
        try await Self.withFCM(backend) { api, fcm in
            let (_, phone, sender, channelID) = try await Self.pairWithPhone(api, fcm)
            for n in 1...3 {
                try await sender.request(
                    ["type": "send", "channel_id": channelID, "client_message_id": "b-\(n)", "body": "part \(n)"], expect: "ack")
                // Each push has left before the next message: only the feed entry gathers the burst.
                try await eventually("push \(n) arrives") { fcm.received(by: phone).count == n }
            }
            let bodies = fcm.received(by: phone).map { $0.message["notification"]["body"].string ?? "" }
            #expect(bodies == ["part 1", "2 new messages from M0\nM0: part 2", "3 new messages from M0\nM0: part 3"], "\(bodies)")
            let last = try #require(fcm.received(by: phone).last).message
            #expect(last["apns"]["payload"]["aps"]["badge"].int == 1, "one feed entry, unread")
            #expect(Set(fcm.received(by: phone).map { $0.message["android"]["collapse_key"].string }).count == 1, "one collapse key")
        }
    }

    @Test(
        "a phone whose app is in the foreground gets no push; once its socket says it went to the background, it does", arguments: TestBackend.enabled
    )
    func backgroundSocket(_ backend: TestBackend) async throws {
        try await Self.withFCM(backend) { api, fcm in
            let (room, phone, sender, channelID) = try await Self.pairWithPhone(api, fcm)
            let app = try await HubTests.socket(api, room.members[1], room.chamberID)
            try await sender.request(
                ["type": "send", "channel_id": channelID, "client_message_id": "g-1", "body": "in the foreground"], expect: "ack")
            _ = try await app.next("notification")
            try await app.request(["type": "set_status", "status": "away"], expect: "ok")
            try await sender.request(
                ["type": "send", "channel_id": channelID, "client_message_id": "g-2", "body": "in the background"], expect: "ack")
            try await eventually("the push for the second message arrives") { fcm.received(by: phone).count == 1 }
            try await Task.sleep(for: .milliseconds(300))
            let bodies = fcm.received(by: phone).map { $0.message["notification"]["body"].string ?? "" }
            #expect(bodies == ["2 new messages from M0\nM0: in the background"], "one push, for what came while away: \(bodies)")
        }
    }

    @Test("the badge counts what the member has not read in every chamber they belong to, one app icon for all", arguments: TestBackend.enabled)
    func badgeAcrossChambers(_ backend: TestBackend) async throws {
        try await Self.withFCM(backend) { api, fcm in
            let room = try await HubTests.room(api, members: 2)
            let other = try await api.createChamber(room.admin)
            for member in room.members { try await api.addMember(member, to: other, role: "member", by: room.admin) }
            let phone = fcm.register()
            try await Self.register(api, room.members[1], token: phone)
            for (n, chamber) in [room.chamberID, other].enumerated() {
                let sender = try await HubTests.socket(api, room.members[0], chamber)
                let dm = try await sender.request(["type": "open_direct", "user_id": room.members[1].userID], expect: "channel")
                try await sender.request(
                    ["type": "send", "channel_id": dm["channel"]["id"].string ?? "", "client_message_id": "c-\(n)", "body": "hello \(n)"],
                    expect: "ack")
                try await eventually("push \(n + 1) arrives") { fcm.received(by: phone).count == n + 1 }
            }
            let badges = fcm.received(by: phone).map { $0.message["apns"]["payload"]["aps"]["badge"].int }
            #expect(badges == [1, 2], "one unread in each chamber: \(badges)")
            #expect(fcm.received(by: phone).last?.message["data"]["chamber_id"].string == other)
        }
    }

    @Test("a chamber requiring a second factor pushes only to devices of sessions that proved one", arguments: TestBackend.enabled)
    func secondFactorRequired(_ backend: TestBackend) async throws {
        try await Self.withFCM(backend) { api, fcm in
            let room = try await HubTests.room(api, members: 3)
            for account in [room.admin, room.members[0], room.members[2]] { _ = try await TwoFactorAPITests.enrol(account, in: api) }
            let policy = try await api.call(
                .patch, "/v1/chambers/\(room.chamberID)", token: room.admin.accessToken,
                json: ["settings": ["security": ["two_factor_required_for": "everyone"]]])
            #expect(policy.status == .ok, "\(policy.json)")
            let (unproved, proved) = (fcm.register(), fcm.register())
            try await Self.register(api, room.members[1], token: unproved)
            try await Self.register(api, room.members[2], token: proved)
            _ = try await Self.directMessages(api, room, body: "Board minutes attached")
            try await eventually("the proved session's phone gets its push") { fcm.received(by: proved).count == 1 }
            try await Task.sleep(for: .milliseconds(500))
            #expect(fcm.received(by: unproved).isEmpty, "a password-only session's phone gets nothing of this chamber")
        }
    }

    @Test("UNREGISTERED removes the device; QUOTA_EXCEEDED is retried after Retry-After", arguments: TestBackend.enabled)
    func answers(_ backend: TestBackend) async throws {
        try await Self.withFCM(backend) { api, fcm in
            let room = try await HubTests.room(api, members: 3)
            let (gone, busy) = (fcm.register(), fcm.register())
            fcm.script(gone, [.unregistered])
            fcm.script(busy, [.quotaExceeded(retryAfter: "1")])
            try await Self.register(api, room.members[1], token: gone)
            try await Self.register(api, room.members[2], token: busy)
            let started = ContinuousClock.now
            _ = try await Self.directMessages(api, room, body: "Hello")
            try await eventually("the throttled push arrives") { fcm.received(by: busy).count == 1 }
            #expect(ContinuousClock.now - started >= .seconds(1))
            try await eventually("the dead token is removed") {
                (try? await api.call(.get, "/v1/me/devices", token: room.members[1].accessToken).json["items"].array.isEmpty) == true
            }
            try await eventually("counted") {
                (try? await api.store.pushOutbox.counts(in: ChamberID(room.chamberID))[.fcm]) == PushCounts(sent: 1, retried: 1, tokensRemoved: 1)
            }
        }
    }

    @Test("an access token that stopped working is replaced and the push goes through", arguments: TestBackend.enabled)
    func expiredAccessToken(_ backend: TestBackend) async throws {
        try await Self.withFCM(backend) { api, fcm in
            let room = try await HubTests.room(api, members: 2)
            let token = fcm.register()
            try await Self.register(api, room.members[1], token: token)
            let devices = try await api.call(.get, "/v1/me/devices", token: room.members[1].accessToken)
            let test = try await api.call(
                .post, "/v1/me/devices/\(devices.json["items"][0]["id"].string ?? "")/test", token: room.members[1].accessToken)
            #expect(test.json["outcome"].string == "accepted" && fcm.tokenRequests == 1)
            fcm.expireIssuedTokens()
            _ = try await Self.directMessages(api, room, body: "Still on?")
            try await eventually("delivered with a fresh access token") { fcm.received(by: token).count == 2 }
            #expect(fcm.tokenRequests == 2 && fcm.unauthorized == 1)
        }
    }

    @Test(
        "a dues invoice reaches an offline member's phone as a notice: its heading and detail, the invoice to open; no billing push, none",
        arguments: TestBackend.enabled)
    func notice(_ backend: TestBackend) async throws {
        try await Self.withFCM(backend) { api, fcm in
            let (admin, staff) = (try await api.signUp("admin"), try await api.signUp("stella"))
            let (apu, bea) = (try await api.signUp("apu"), try await api.signUp("bea"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            let (apuPhone, beaPhone) = (fcm.register(), fcm.register())
            for (member, phone) in [(apu, apuPhone), (bea, beaPhone)] {
                try await MembershipStandingTests.approved(api, member, chamber: chamber.id, tier: chamber.tier, staff: staff)
                try await Self.register(api, member, token: phone)
            }
            let off = try await api.call(
                .patch, "/v1/chambers/\(chamber.id)/notification-preferences", token: bea.accessToken,
                json: ["categories": ["billing": ["push": "none"]]])
            #expect(off.status == .ok, "\(off.json)")
            #expect(try await api.node.services.billing.runDues(chamberID: ChamberID(chamber.id)) == 2)
            let invoice = try #require(try await DuesBillingTests.invoices(api, chamber.id, of: apu).first)
            let billing = { (phone: String) in fcm.received(by: phone).filter { $0.message["data"]["category"].string == "billing" } }
            try await eventually("the invoice's push") { billing(apuPhone).count == 1 }
            let message = try #require(billing(apuPhone).first).message
            #expect(message["notification"]["title"].string == "Your dues invoice \(invoice["number"].string ?? "")")
            #expect(message["notification"]["body"].string?.hasPrefix("Your membership dues are invoiced") == true)
            #expect(message["data"]["subject_kind"].string == "invoice" && message["data"]["subject_id"].string == invoice["id"].string)
            #expect(message["data"]["chamber_id"].string == chamber.id && message["data"]["channel_id"].isNull)
            let collapse = (invoice["id"].string ?? "").replacingOccurrences(of: "-", with: "")
            #expect(message["android"]["collapse_key"].string == collapse && message["android"]["priority"].string == "NORMAL")
            // Bea's level for billing pushes is none: the notice is in her feed, not on her phone.
            try await Task.sleep(for: .milliseconds(500))
            #expect(billing(beaPhone).isEmpty && billing(apuPhone).count == 1, "exactly once, and only where wanted")
            let feed = try await api.call(.get, "/v1/chambers/\(chamber.id)/notifications", token: bea.accessToken)
            #expect(feed.json["items"].array.contains { $0["subject"]["kind"].string == "invoice" })
        }
    }
}
