import ChamberDomain
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

/// Notifications by e-mail, as a member meets them: what they have not read reaches their inbox, at once or in a
/// digest, by their preferences, through the mail outbox and a real SMTP relay.
@Suite("Notifications: e-mail for what a member has not read")
struct NotificationEmailTests {
    /// A chamber with Ann (the sender, over REST) and Ben (offline), a DM between them, and Ben's e-mail choice.
    static func withScene(
        _ backend: TestBackend, digest: String,
        _ test: @escaping @Sendable (TestAPI, LocalSMTPServer, HubTests.Room, String) async throws -> Void
    ) async throws {
        try await MailDeliveryTests.withRelay(
            backend,
            configure: {
                $0.notificationEmailDelaySeconds = 0
                $0.publicURL = "https://chamber.test"
            }
        ) { api, relay in
            let room = try await HubTests.room(api, members: 2)
            let (ann, ben) = (room.members[0], room.members[1])
            let preferences = try await api.call(
                .patch, "/v1/chambers/\(room.chamberID)/notification-preferences", token: ben.accessToken, json: ["email_digest": digest])
            #expect(preferences.status == .ok, "\(preferences.json)")
            let dm = try await api.call(
                .post, "/v1/chambers/\(room.chamberID)/channels/direct", token: ann.accessToken, json: ["user_id": ben.userID])
            try await test(api, relay, room, dm.json["id"].string ?? "")
        }
    }

    /// The notification mails the relay took for `email` (the invitations that made the room are not).
    static func notices(_ relay: LocalSMTPServer, to email: String) -> [LocalSMTPServer.Received] {
        ((try? relay.received()) ?? []).filter { $0.rcptTos == [email] && $0.parts.first?.text.contains("unread notification") == true }
    }

    static func send(_ api: TestAPI, _ room: HubTests.Room, _ channel: String, _ body: String, id: String) async throws {
        let sent = try await api.call(
            .post, "/v1/chambers/\(room.chamberID)/channels/\(channel)/messages", token: room.members[0].accessToken,
            json: ["client_message_id": id, "body": body])
        #expect(sent.status == .created, "\(sent.json)")
    }

    @Test("immediate: an offline member's DM reaches their inbox, once, with the text", arguments: TestBackend.enabled)
    func immediate(_ backend: TestBackend) async throws {
        try await Self.withScene(backend, digest: "immediate") { api, relay, room, dm in
            let ben = room.members[1]
            try await Self.send(api, room, dm, "Lunch at noon?", id: "e-1")
            try await eventually("the e-mail arrives") { Self.notices(relay, to: ben.email).count == 1 }
            let mail = try #require(Self.notices(relay, to: ben.email).first)
            #expect(mail.rcptTos == [ben.email])
            #expect(mail.header("Subject")?.hasPrefix("M0") == true, "\(mail.headers)")
            let text = mail.parts.first?.text ?? ""
            #expect(text.contains("- M0: Lunch at noon?"), "\(text)")
            #expect(text.contains("as they happen"))
            try await Task.sleep(for: .milliseconds(500))
            #expect(Self.notices(relay, to: ben.email).count == 1, "one mail for one notification")
            // The relay has the mail before the outbox records that it does.
            try await eventually("the outbox says sent") {
                let delivery = try? await api.store.mailOutbox.deliveries(to: ben.email, limit: 1).first
                return delivery?.mail.kind == .notifications && delivery?.status == .sent
            }

            // One click in the mail program (RFC 8058) turns Ben's e-mail off in this chamber.
            #expect(mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
            let link = try #require(mail.header("List-Unsubscribe")?.trimmingCharacters(in: CharacterSet(charactersIn: "<>")))
            #expect(link.hasPrefix("https://chamber.test/v1/email/unsubscribe?token="), "\(link)")
            let path = String(link.dropFirst("https://chamber.test".count))
            let forged = try await api.call(.post, String(path.dropLast(2)) + "xx")
            #expect(forged.status == .badRequest && forged.errorCode == "unsubscribe_token_invalid", "\(forged.json)")
            let page = try await api.call(.get, path)
            let html = String(decoding: page.body, as: UTF8.self)
            #expect(page.status == .ok && html.contains("<form method=\"post\""), "a browser gets a button, and nothing changes yet")
            // As mail programs post it (RFC 8058 §3.2): a form body, no cookie, no sign-in.
            let unsubscribed = try await api.call(
                .post, path, raw: "List-Unsubscribe=One-Click", headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(unsubscribed.status == .ok && unsubscribed.json["chamber_id"].string == room.chamberID, "\(unsubscribed.json)")
            let preferences = try await api.call(.get, "/v1/chambers/\(room.chamberID)/notification-preferences", token: ben.accessToken)
            #expect(preferences.json["categories"]["direct_messages"]["email"].string == "none", "\(preferences.json)")
            #expect(
                preferences.json["categories"]["billing"]["email"].string == "all"
                    && preferences.json["categories"]["membership"]["email"].string == "all",
                "invoices and membership mail are no list left by a digest's link: \(preferences.json)")
            try await Self.send(api, room, dm, "Still there?", id: "e-2")
            try await eventually("the second DM reaches the feed") {
                let feed = try? await api.call(.get, "/v1/chambers/\(room.chamberID)/notifications", token: ben.accessToken)
                return feed?.json["items"].array.first?["count"].int == 2
            }
            try await Task.sleep(for: .milliseconds(500))
            #expect(Self.notices(relay, to: ben.email).count == 1, "no mail after unsubscribing")
        }
    }

    @Test("hourly: the digest lists what is still unread when the hour is up, and nothing that was read", arguments: TestBackend.enabled)
    func digest(_ backend: TestBackend) async throws {
        try await Self.withScene(backend, digest: "hourly") { api, relay, room, dm in
            let ben = room.members[1]
            let group = try await api.call(
                .post, "/v1/chambers/\(room.chamberID)/channels", token: room.admin.accessToken,
                json: ["kind": "announcement", "name": "News"])
            let news = group.json["id"].string ?? ""
            try await Self.send(api, room, dm, "First", id: "d-1")
            try await Self.send(api, room, dm, "Second", id: "d-2")
            let announced = try await api.call(
                .post, "/v1/chambers/\(room.chamberID)/channels/\(news)/messages", token: room.admin.accessToken,
                json: ["client_message_id": "n-1", "body": "Gala on Friday"])
            #expect(announced.status == .created)
            let owed = "SELECT due_at FROM notification_emails WHERE user_id = '\(ben.userID)'"
            // The fan-out runs beside the requests: wait for both notifications in Ben's feed.
            try await eventually("Ben's feed has the DMs and the announcement") {
                let feed = try? await api.call(.get, "/v1/chambers/\(room.chamberID)/notifications?unread=true", token: ben.accessToken)
                let items = feed?.json["items"].array ?? []
                return items.count == 2 && items.contains { $0["category"].string == "direct_messages" && $0["count"].int == 2 }
            }
            try await eventually("owed an e-mail") { (try? await api.store.database.query(owed).count) == 1 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(Self.notices(relay, to: ben.email).isEmpty, "nothing before the hour is up")

            // Ben reads the announcement on his phone; then the hour is up.
            let read = try await api.call(
                .post, "/v1/chambers/\(room.chamberID)/channels/\(news)/read", token: ben.accessToken, json: ["seq": 1])
            #expect(read.status == .ok || read.status == .noContent, "\(read.json)")
            try await api.store.database.query("UPDATE notification_emails SET due_at = 0 WHERE user_id = '\(ben.userID)'")
            try await eventually("the digest arrives") { Self.notices(relay, to: ben.email).count == 1 }
            let text = try #require(Self.notices(relay, to: ben.email).first?.parts.first?.text)
            #expect(text.contains("- M0 (2 messages): Second"), "\(text)")
            #expect(!text.contains("Gala"), "read before the digest: \(text)")
            #expect(text.contains("at most once an hour"))
            #expect((try await api.store.database.query(owed)).isEmpty, "nothing more owed")
        }
    }

    @Test("daily, the default: the digest is owed a day after the first notification, and says so", arguments: TestBackend.enabled)
    func dailyDigest(_ backend: TestBackend) async throws {
        try await Self.withScene(backend, digest: "daily") { api, relay, room, dm in
            let ben = room.members[1]
            let sent = Date()
            try await Self.send(api, room, dm, "Board minutes", id: "y-1")
            let owed = "SELECT due_at FROM notification_emails WHERE user_id = '\(ben.userID)'"
            try await eventually("owed an e-mail") { (try? await api.store.database.query(owed).count) == 1 }
            let due = try #require(try await api.store.database.query(owed).first?.date("due_at"))
            #expect(abs(due.timeIntervalSince(sent) - 86_400) < 60, "a day after the notification: \(due) for \(sent)")
            try await Task.sleep(for: .milliseconds(300))
            #expect(Self.notices(relay, to: ben.email).isEmpty, "nothing before the day is up")
            try await api.store.database.query("UPDATE notification_emails SET due_at = 0 WHERE user_id = '\(ben.userID)'")
            try await eventually("the digest arrives") { Self.notices(relay, to: ben.email).count == 1 }
            let text = try #require(Self.notices(relay, to: ben.email).first?.parts.first?.text)
            #expect(text.contains("Board minutes") && text.contains("at most once a day"), "\(text)")
        }
    }
}
