import ChamberDomain
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Crypto
import Foundation
import HTTPTypes
import Testing

/// Pushes to browsers, end to end: a running server, a member offline with a Web Push subscription, and a push
/// service of ours that checks VAPID and decrypts every payload (`Protocol/push.md`).
@Suite("Notifications: Web Push to offline members, through the durable outbox")
struct WebPushDeliveryTests {
    /// A server whose Web Push client is configured, a push service, and two members of a chamber: the first with a
    /// socket and a DM open to the second, who is offline with a subscribed browser.
    struct Scene: Sendable {
        let api: TestAPI
        let push: FakeWebPushService
        let room: HubTests.Room
        let sender: WSTestClient
        let channelID: String
        let subscription: [String: String]
        var ann: Account { room.members[0] }
        var ben: Account { room.members[1] }
        var chamber: ChamberID { ChamberID(room.chamberID) }

        func send(_ body: String, id: String) async throws -> JSON {
            try await sender.request(["type": "send", "channel_id": channelID, "client_message_id": id, "body": body], expect: "ack")
        }

        func received() -> [FakeWebPushService.Received] { push.received(by: subscription) }

        /// Waits until the fan-out has taken every message of the channel (the DM unless named), and so decided its pushes.
        func fannedOut(_ channel: String? = nil) async throws {
            let channel = channel ?? channelID
            try await eventually("the fan-out took the channel's messages") {
                (try? await api.store.notificationFanout.pendingChannels(limit: 1_000).contains { $0.channelID.rawValue == channel }) == false
            }
        }

        /// Quiet hours for the member with the browser, from an hour ago to an hour ahead.
        func quietHoursNow() async throws {
            let utc = DateFormatter()
            utc.dateFormat = "HH:mm"
            utc.timeZone = TimeZone(identifier: "UTC")
            let quiet = [
                "start": utc.string(from: Date().addingTimeInterval(-3600)), "end": utc.string(from: Date().addingTimeInterval(3600)),
                "time_zone": "UTC",
            ]
            let path = "/v1/chambers/\(room.chamberID)/notification-preferences"
            #expect(try await api.call(.patch, path, token: ben.accessToken, json: ["quiet_hours": quiet]).status == .ok)
        }
        func counts() async throws -> PushCounts { try await api.store.pushOutbox.counts(in: chamber)[.webPush] ?? PushCounts() }

        /// Makes every waiting push due now (the test's own database): a retry parked behind a long Retry-After is
        /// claimed at the worker's next sweep, once the test has set up what the claim should find.
        func releaseWaitingPushes() async throws {
            try await api.store.database.query("UPDATE push_outbox SET not_before = 0 WHERE status = 'pending'")
        }
    }

    static func withScene(_ backend: TestBackend, _ test: @escaping @Sendable (Scene) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vapid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let keyFile = folder.appendingPathComponent("vapid.pem").path
        try P256.Signing.PrivateKey().pemRepresentation.write(toFile: keyFile, atomically: true, encoding: .utf8)
        try await FakeWebPushService.run { push in
            try await withServer(
                backend, isolated: true,
                configure: {
                    $0.webPushVAPIDKeyFile = keyFile
                    $0.webPushSubject = "mailto:ops@chamber.example"
                    $0.pushRetryBaseMs = 200
                }
            ) { api in
                let room = try await HubTests.room(api, members: 2)
                let subscription = push.subscribe()
                let device = try await api.call(
                    .post, "/v1/me/devices", token: room.members[1].accessToken, json: ["platform": "web_push", "web_push": subscription])
                #expect(device.status == .created, "\(device.json)")
                let sender = try await HubTests.socket(api, room.members[0], room.chamberID)
                let dm = try await sender.request(["type": "open_direct", "user_id": room.members[1].userID], expect: "channel")
                let flat = [
                    "endpoint": subscription["endpoint"] as? String ?? ""
                ]
                try await test(
                    Scene(api: api, push: push, room: room, sender: sender, channelID: dm["channel"]["id"].string ?? "", subscription: flat))
                #expect(push.refused.isEmpty, "the push service refused: \(push.refused)")
            }
        }
    }

    @Test("an offline member's DM reaches their browser exactly once, encrypted, as Protocol/push.md describes", arguments: TestBackend.enabled)
    func directMessage(_ backend: TestBackend) async throws {
        try await Self.withScene(backend) { scene in
            let ack = try await scene.send("Lunch at noon?", id: "w-1")
            try await eventually("the push arrives") { scene.received().count == 1 }
            let push = try #require(scene.received().first)
            #expect(push.payload["title"].string == "M0" && push.payload["body"].string == "Lunch at noon?")
            #expect(push.payload["badge"].int == 1, "the badge is the unread count")
            let collapse = scene.channelID.replacingOccurrences(of: "-", with: "")
            #expect(push.payload["tag"].string == collapse)
            let data = push.payload["data"]
            #expect(data["chamber_id"].string == scene.room.chamberID && data["channel_id"].string == scene.channelID)
            #expect(data["seq"].string == String(ack["seq"].int ?? 0) && data["category"].string == "direct_messages")
            #expect(data["message_id"].string == ack["message_id"].string && data["push_id"].string != nil)
            #expect(push.headers[HTTPField.Name("Urgency")!] == "high" && push.headers[HTTPField.Name("Topic")!] == collapse)
            #expect((push.headers[HTTPField.Name("TTL")!].flatMap(Int.init) ?? 0) > 86_000)
            try await Task.sleep(for: .milliseconds(600))
            #expect(scene.received().count == 1, "exactly once")
            try await eventually("counted") { (try? await scene.counts()) == PushCounts(sent: 1) }
        }
    }

    @Test(
        "the push service is down: the push is retried with backoff, honouring Retry-After, and arrives once it is back",
        arguments: TestBackend.enabled)
    func retried(_ backend: TestBackend) async throws {
        try await Self.withScene(backend) { scene in
            scene.push.script(scene.subscription, [(503, "1"), (429, nil)])
            let started = ContinuousClock.now
            _ = try await scene.send("Are you coming?", id: "w-1")
            try await eventually("delivered after two failures") { scene.received().count == 1 }
            #expect(ContinuousClock.now - started >= .seconds(1), "Retry-After: 1 was honoured")
            #expect(scene.push.attempts(for: scene.subscription) == 3)
            try await eventually("counted") { (try? await scene.counts()) == PushCounts(sent: 1, retried: 2) }
        }
    }

    @Test("404 or 410 from the push service removes the device", arguments: TestBackend.enabled, [404, 410])
    func gone(_ backend: TestBackend, status: Int) async throws {
        try await Self.withScene(backend) { scene in
            scene.push.script(scene.subscription, [(status, nil)])
            _ = try await scene.send("Hello?", id: "w-1")
            try await eventually("the device is removed") {
                (try? await scene.api.call(.get, "/v1/me/devices", token: scene.ben.accessToken).json["items"].array.isEmpty) == true
            }
            #expect(try await scene.counts() == PushCounts(tokensRemoved: 1))
            _ = try await scene.send("Still there?", id: "w-2")
            try await Task.sleep(for: .milliseconds(500))
            #expect(scene.push.attempts(for: scene.subscription) == 1, "nothing more goes to a removed device")
        }
    }

    @Test("reading the channel on another device cancels a push that has not left yet", arguments: TestBackend.enabled)
    func readCancels(_ backend: TestBackend) async throws {
        try await Self.withScene(backend) { scene in
            // The retry waits an hour, so it cannot leave before the read however slow the machine; once the read is
            // recorded it is made due, and its claim finds the channel read.
            scene.push.script(scene.subscription, [(503, "3600")])
            let ack = try await scene.send("Did you see the minutes?", id: "w-1")
            try await eventually("the first attempt failed and the push waits") { (try? await scene.counts().retried) == 1 }
            let laptop = try await HubTests.socket(scene.api, scene.ben, scene.room.chamberID)
            try await laptop.request(["type": "subscribe", "channel_id": scene.channelID], expect: "subscribed")
            try await laptop.request(["type": "read", "channel_id": scene.channelID, "seq": ack["seq"].int ?? 0], expect: "receipt")
            try await scene.releaseWaitingPushes()
            try await eventually("the retry is cancelled") { (try? await scene.counts().cancelled) == 1 }
            #expect(scene.push.attempts(for: scene.subscription) == 1 && scene.received().isEmpty)
        }
    }

    @Test("a burst in one channel while its push waits grows that push: '3 new messages from M0'", arguments: TestBackend.enabled)
    func burst(_ backend: TestBackend) async throws {
        try await Self.withScene(backend) { scene in
            // The retry waits an hour, leaving time for the next two messages to be fanned out however loaded the
            // machine; once they are, it is made due and the grown push leaves at the worker's next sweep.
            scene.push.script(scene.subscription, [(503, "3600")])
            _ = try await scene.send("One", id: "w-1")
            try await eventually("the first attempt failed and the push waits") { (try? await scene.counts().retried) == 1 }
            _ = try await scene.send("Two", id: "w-2")
            _ = try await scene.send("Three", id: "w-3")
            try await scene.fannedOut()
            try await scene.releaseWaitingPushes()
            try await eventually("the grown push arrives") { !scene.received().isEmpty }
            try await Task.sleep(for: .milliseconds(500))
            let bodies = scene.received().compactMap { $0.payload["body"].string }
            #expect(bodies == ["3 new messages from M0\nM0: Three"])
            #expect(scene.received().first?.payload["badge"].int == 1, "one notification, grown")
        }
    }

    @Test("quiet hours and a mute hold pushes back; without preview the text never leaves the server", arguments: TestBackend.enabled)
    func preferences(_ backend: TestBackend) async throws {
        try await Self.withScene(backend) { scene in
            let path = "/v1/chambers/\(scene.room.chamberID)/notification-preferences"
            try await scene.quietHoursNow()
            _ = try await scene.send("During quiet hours", id: "w-1")
            try await scene.fannedOut()
            #expect(try await scene.api.call(.patch, path, token: scene.ben.accessToken, json: ["quiet_hours": NSNull()]).status == .ok)
            let mute = "\(path)/mutes/\(scene.channelID)"
            #expect(try await scene.api.call(.put, mute, token: scene.ben.accessToken, json: [:]).status == .ok)
            _ = try await scene.send("While muted", id: "w-2")
            try await scene.fannedOut()
            #expect(try await scene.api.call(.delete, mute, token: scene.ben.accessToken).status == .ok)
            #expect(try await scene.api.call(.patch, path, token: scene.ben.accessToken, json: ["preview": false]).status == .ok)
            _ = try await scene.send("A secret plan", id: "w-3")
            try await eventually("the last push arrives") { !scene.received().isEmpty }
            try await Task.sleep(for: .milliseconds(500))
            let bodies = scene.received().compactMap { $0.payload["body"].string }
            // Its feed entry holds the message of the quiet hours too (the muted one reached no feed): the push tells both.
            #expect(bodies == ["2 new messages from M0"], "only the last message pushed, telling what is unread, without its text")
        }
    }

    @Test(
        "an urgent announcement passes quiet hours at high urgency, an ordinary one waits; only announcements may be urgent",
        arguments: TestBackend.enabled)
    func urgentAnnouncement(_ backend: TestBackend) async throws {
        try await Self.withScene(backend) { scene in
            let (chamber, admin) = (scene.room.chamberID, scene.room.admin.accessToken)
            try await scene.quietHoursNow()
            let news = try await scene.api.call(
                .post, "/v1/chambers/\(chamber)/channels", token: admin, json: ["kind": "announcement", "name": "News"])
            #expect(news.status == .created, "\(news.json)")
            let messages = "/v1/chambers/\(chamber)/channels/\(news.json["id"].string ?? "")/messages"
            let ordinary = try await scene.api.call(
                .post, messages, token: admin, json: ["client_message_id": "n-1", "body": "Parking is free on Friday"])
            #expect(ordinary.status == .created && ordinary.json["message"]["urgent"] == .null, "\(ordinary.json)")
            try await scene.fannedOut(news.json["id"].string)
            let urgent = try await scene.api.call(
                .post, messages, token: admin, json: ["client_message_id": "n-2", "body": "Main Street is closed", "urgent": true])
            #expect(urgent.status == .created && urgent.json["message"]["urgent"].bool == true, "\(urgent.json)")

            try await eventually("the urgent push arrives") { !scene.received().isEmpty }
            try await Task.sleep(for: .milliseconds(500))
            let pushes = scene.received()
            #expect(pushes.count == 1, "the ordinary announcement waits for the end of quiet hours")
            #expect(pushes.first?.payload["body"].string?.hasSuffix("Main Street is closed") == true, "\(pushes.map(\.payload))")
            #expect(pushes.first?.headers[HTTPField.Name("Urgency")!] == "high")
            let history = try await scene.api.call(.get, messages, token: scene.ben.accessToken)
            #expect(history.json["items"].array.map { $0["urgent"].bool } == [nil, true], "\(history.json)")

            let refused = try await scene.api.call(
                .post, "/v1/chambers/\(chamber)/channels/\(scene.channelID)/messages", token: scene.ann.accessToken,
                json: ["client_message_id": "d-1", "body": "Hurry", "urgent": true])
            #expect(refused.status == .badRequest && refused.json["error"]["field"].string == "urgent", "\(refused.json)")
            let frame = try await scene.sender.request(
                ["type": "send", "channel_id": scene.channelID, "client_message_id": "d-2", "body": "Hurry", "urgent": true], expect: "ack",
                expectError: true)
            #expect(frame["code"].string == "validation_failed" && frame["field"].string == "urgent", "\(frame)")
        }
    }

    @Test("admins see the counts by provider and the dead letters; members see neither", arguments: TestBackend.enabled)
    func adminView(_ backend: TestBackend) async throws {
        try await Self.withScene(backend) { scene in
            scene.push.script(scene.subscription, [(400, nil)])
            _ = try await scene.send("Refused for good", id: "w-1")
            try await eventually("dead-lettered") { (try? await scene.counts().deadLettered) == 1 }
            _ = try await scene.send("Delivered", id: "w-2")
            try await eventually("sent") { (try? await scene.counts().sent) == 1 }

            let stats = try await scene.api.call(.get, "/v1/chambers/\(scene.room.chamberID)/push-stats", token: scene.room.admin.accessToken)
            #expect(stats.status == .ok)
            #expect(stats.json["providers"].array.compactMap { $0["provider"].string } == ["apns", "fcm", "web_push"])
            let web = stats.json["providers"][2]
            #expect(web["sent"].int == 1 && web["dead_lettered"].int == 1 && web["failed"].int == 1 && web["pending"].int == 0)
            #expect(stats.json["providers"][0]["sent"].int == 0)
            #expect(
                stats.json["providers"].array.compactMap { $0["delivery"].string } == ["recorded", "recorded", "sent"],
                "only Web Push has credentials here")

            let letters = try await scene.api.call(
                .get, "/v1/chambers/\(scene.room.chamberID)/push-dead-letters", token: scene.room.admin.accessToken)
            #expect(letters.status == .ok && letters.json["items"].array.count == 1)
            #expect(letters.json["items"][0]["provider"].string == "web_push" && letters.json["items"][0]["user_id"].string == scene.ben.userID)
            #expect(letters.json["items"][0]["error"].string?.hasPrefix("http_400") == true && letters.json["items"][0]["attempts"].int == 1)

            let member = try await scene.api.call(.get, "/v1/chambers/\(scene.room.chamberID)/push-stats", token: scene.ben.accessToken)
            #expect(member.status == .forbidden)
            let outsider = try await scene.api.signUp("outsider")
            #expect(
                try await scene.api.call(.get, "/v1/chambers/\(scene.room.chamberID)/push-dead-letters", token: outsider.accessToken).status
                    == .notFound)

            let metrics = try await scene.api.call(.get, "/metrics")
            let text = String(decoding: metrics.body, as: UTF8.self)
            #expect(text.contains(#"chamber_push_total{provider="web_push",result="dead_lettered"}"#))
        }
    }

    @Test("a test push goes straight to the caller's device and answers what the provider said", arguments: TestBackend.enabled)
    func testPush(_ backend: TestBackend) async throws {
        try await Self.withScene(backend) { scene in
            let devices = try await scene.api.call(.get, "/v1/me/devices", token: scene.ben.accessToken)
            let id = devices.json["items"][0]["id"].string ?? ""
            let sent = try await scene.api.call(.post, "/v1/me/devices/\(id)/test", token: scene.ben.accessToken)
            #expect(sent.status == .ok && sent.json["outcome"].string == "accepted" && sent.json["device_removed"].bool == false)
            #expect(scene.received().first?.payload["body"].string == "Test notification")
            #expect(try await scene.api.call(.post, "/v1/me/devices/\(id)/test", token: scene.ann.accessToken).status == .notFound)

            scene.push.script(scene.subscription, [(410, nil)])
            let gone = try await scene.api.call(.post, "/v1/me/devices/\(id)/test", token: scene.ben.accessToken)
            #expect(gone.json["outcome"].string == "device_gone" && gone.json["device_removed"].bool == true)
            #expect(try await scene.api.call(.get, "/v1/me/devices", token: scene.ben.accessToken).json["items"].array.isEmpty)
        }
    }
}
