import ChamberDomain
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Synchronization
import Testing

@Suite("Notifications: the in-app feed, live on the socket and over REST")
struct NotificationFeedTests {
    @Test("a DM notifies the other member live and in the feed; a burst grows one entry; reading clears the badge", arguments: TestBackend.enabled)
    func directMessages(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (room, a, b, channelID) = try await HubTests.directPair(api)
            let (ann, ben) = (room.members[0], room.members[1])
            try await a.request(["type": "subscribe", "channel_id": channelID], expect: "subscribed")
            try await a.request(["type": "send", "channel_id": channelID, "client_message_id": "n-1", "body": "Lunch at noon?"], expect: "ack")
            let first = try await b.next("notification")
            #expect(first["notification"]["category"].string == "direct_messages")
            #expect(first["notification"]["channel_id"].string == channelID && first["notification"]["actor_id"].string == ann.userID)
            #expect(first["notification"]["title"].string == "M0" && first["notification"]["text"].string == "Lunch at noon?")
            #expect(first["notification"]["count"].int == 1 && first["unread_count"].int == 1)

            try await a.request(["type": "send", "channel_id": channelID, "client_message_id": "n-2", "body": "Or one?"], expect: "ack")
            let grown = try await b.next("notification")
            #expect(grown["notification"]["id"] == first["notification"]["id"], "a burst grows the same notification")
            #expect(grown["notification"]["count"].int == 2 && grown["notification"]["seq"].int == 2)
            #expect(grown["notification"]["text"].string == "Or one?" && grown["unread_count"].int == 1)
            #expect(try await a.all("notification").isEmpty, "the author is never notified of their own message")

            let path = "/v1/chambers/\(room.chamberID)/notifications"
            let feed = try await api.call(.get, path, token: ben.accessToken)
            #expect(feed.status == .ok && feed.json["unread_count"].int == 1)
            #expect(feed.json["items"].array.count == 1 && feed.json["items"][0]["count"].int == 2)
            #expect(try await api.call(.get, path, token: ann.accessToken).json["items"].array.isEmpty)

            let read = try await api.call(.post, "\(path)/read", token: ben.accessToken, json: ["ids": [first["notification"]["id"].string ?? ""]])
            #expect(read.status == .ok && read.json["unread_count"].int == 0)
            let told = try await b.next("notifications_read")
            #expect(told["ids"].array.compactMap(\.string) == [first["notification"]["id"].string ?? ""] && told["unread_count"].int == 0)
            #expect(try await api.call(.get, "\(path)?unread=true", token: ben.accessToken).json["items"].array.isEmpty)

            try await a.request(["type": "send", "channel_id": channelID, "client_message_id": "n-3", "body": "Well?"], expect: "ack")
            let fresh = try await b.next("notification")
            #expect(fresh["notification"]["id"] != first["notification"]["id"], "a read notification does not grow")
            #expect(fresh["notification"]["count"].int == 1 && fresh["unread_count"].int == 1)
            let all = try await api.call(.post, "\(path)/read", token: ben.accessToken, json: ["all": true])
            #expect(all.json["unread_count"].int == 0)
            #expect(try await b.next("notifications_read")["all"].bool == true)
        }
    }

    @Test("reading the channel reads its notifications, on every device", arguments: TestBackend.enabled)
    func readingTheChannel(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (room, a, b, channelID) = try await HubTests.directPair(api)
            let ben = room.members[1]
            let phone = try await HubTests.socket(api, ben, room.chamberID)
            let ack = try await a.request(["type": "send", "channel_id": channelID, "client_message_id": "r-1", "body": "Seen this?"], expect: "ack")
            let notified = try await b.next("notification")
            _ = try await phone.next("notification")
            try await b.request(["type": "read", "channel_id": channelID, "seq": ack["seq"].int ?? 0], expect: "receipt")
            let read = try await phone.next("notifications_read")
            #expect(read["ids"].array.compactMap(\.string) == [notified["notification"]["id"].string ?? ""] && read["unread_count"].int == 0)
            let feed = try await api.call(.get, "/v1/chambers/\(room.chamberID)/notifications", token: ben.accessToken)
            #expect(feed.json["unread_count"].int == 0 && feed.json["items"][0]["read_at"].string != nil)
        }
    }

    @Test("in a group: mentions and replies notify whom they name; ordinary messages only those who chose them", arguments: TestBackend.enabled)
    func groups(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 3)
            let (ann, ben, cat) = (room.members[0], room.members[1], room.members[2])
            let a = try await HubTests.socket(api, ann, room.chamberID)
            let b = try await HubTests.socket(api, ben, room.chamberID)
            let c = try await HubTests.socket(api, cat, room.chamberID)
            let group = try await a.request(
                ["type": "create_channel", "kind": "group", "name": "Board", "members": [ben.userID, cat.userID]], expect: "channel")
            let channelID = group["channel"]["id"].string ?? ""
            _ = try await api.call(
                .patch, "/v1/chambers/\(room.chamberID)/notification-preferences", token: cat.accessToken,
                json: ["categories": ["channel_messages": ["in_app": "all"]]])

            let ack = try await a.request(
                ["type": "send", "channel_id": channelID, "client_message_id": "g-1", "body": "Agenda, <@\(ben.userID)>?"], expect: "ack")
            let mention = try await b.next("notification")
            #expect(mention["notification"]["category"].string == "mentions" && mention["notification"]["title"].string == "Board")
            let ordinary = try await c.next("notification")
            #expect(ordinary["notification"]["category"].string == "channel_messages", "Cat chose ordinary traffic")

            try await b.request(
                [
                    "type": "send", "channel_id": channelID, "client_message_id": "g-2", "body": "Attached",
                    "reply_to": ack["message_id"].string ?? "",
                ],
                expect: "ack")
            let reply = try await a.next("notification")
            #expect(reply["notification"]["category"].string == "mentions" && reply["notification"]["actor_id"].string == ben.userID)
            #expect(try await c.next("notification")["notification"]["count"].int == 2, "Cat's ordinary entry grew")
            #expect(try await b.all("notification").isEmpty)
        }
    }

    @Test("an announcement notifies every member; a mute and a level of none silence it", arguments: TestBackend.enabled)
    func announcementsAndPreferences(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 3)
            let admin = try await HubTests.socket(api, room.admin, room.chamberID)
            let sockets = [
                try await HubTests.socket(api, room.members[0], room.chamberID), try await HubTests.socket(api, room.members[1], room.chamberID),
                try await HubTests.socket(api, room.members[2], room.chamberID),
            ]
            let news = try await admin.request(["type": "create_channel", "kind": "announcement", "name": "News"], expect: "channel")
            let channelID = news["channel"]["id"].string ?? ""
            _ = try await api.call(
                .put, "/v1/chambers/\(room.chamberID)/notification-preferences/mutes/\(channelID)", token: room.members[1].accessToken, json: [:])
            _ = try await api.call(
                .patch, "/v1/chambers/\(room.chamberID)/notification-preferences", token: room.members[2].accessToken,
                json: ["categories": ["announcements": ["in_app": "none"]]])
            try await admin.request(["type": "send", "channel_id": channelID, "client_message_id": "a-1", "body": "Gala on Friday"], expect: "ack")
            let told = try await sockets[0].next("notification")
            #expect(told["notification"]["category"].string == "announcements" && told["notification"]["title"].string == "News")
            #expect(try await sockets[1].all("notification").isEmpty, "muted")
            #expect(try await sockets[2].all("notification", within: .milliseconds(50)).isEmpty, "level none")
            #expect(try await admin.all("notification", within: .milliseconds(50)).isEmpty, "not the author")
        }
    }

    @Test(
        "the feed pages by key: an entry that grows between pages moves to the top and is shown once; a made-up cursor is refused",
        arguments: TestBackend.enabled)
    func paging(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 4)
            let reader = room.members[0]
            let path = "/v1/chambers/\(room.chamberID)/notifications"
            // Three members write to the reader, one after another: three entries, the last written first.
            var channels: [String] = []
            for (n, writer) in room.members.dropFirst().enumerated() {
                let dm = try await api.call(
                    .post, "/v1/chambers/\(room.chamberID)/channels/direct", token: writer.accessToken, json: ["user_id": reader.userID])
                let channel = dm.json["id"].string ?? ""
                channels.append(channel)
                let sent = try await api.call(
                    .post, "/v1/chambers/\(room.chamberID)/channels/\(channel)/messages", token: writer.accessToken,
                    json: ["client_message_id": "p-\(n)", "body": "from \(n)"])
                #expect(sent.status == .created, "\(sent.json)")
                try await eventually("entry \(n + 1) is in the feed") {
                    (try? await api.call(.get, path, token: reader.accessToken).json["items"].array.count) == n + 1
                }
            }
            let first = try await api.call(.get, "\(path)?limit=1", token: reader.accessToken)
            let shown = first.json["items"].array.compactMap { $0["id"].string }
            let cursor = try #require(first.json["next_cursor"].string)
            #expect(cursor.hasPrefix("k") && first.json["items"][0]["text"].string == "from 2", "\(first.json)")
            // The oldest entry grows: it moves to the top, above where the next page starts.
            let grown = try await api.call(
                .post, "/v1/chambers/\(room.chamberID)/channels/\(channels[0])/messages", token: room.members[1].accessToken,
                json: ["client_message_id": "p-again", "body": "again"])
            #expect(grown.status == .created)
            try await eventually("the entry grew") {
                (try? await api.call(.get, "\(path)?limit=1", token: reader.accessToken).json["items"][0]["count"].int) == 2
            }
            var rest: [String] = []
            var next: String? = cursor
            while let page = next {
                let response = try await api.call(.get, "\(path)?limit=1&cursor=\(page)", token: reader.accessToken)
                #expect(response.status == .ok, "\(response.json)")
                rest += response.json["items"].array.compactMap { $0["text"].string }
                next = response.json["next_cursor"].string
                #expect(!response.json["items"].array.contains { shown.contains($0["id"].string ?? "") }, "shown once")
            }
            #expect(rest == ["from 1"], "the grown entry left for the top: \(rest)")
            let madeUp = "k" + Data(#"{"updatedAt":1,"id":"x'; --"}"#.utf8).base64EncodedString()
            let refused = try await api.call(.get, "\(path)?cursor=\(madeUp)", token: reader.accessToken)
            #expect(refused.status == .badRequest && refused.errorCode == "invalid_cursor", "\(refused.json)")
        }
    }

    @Test("bad feed requests name the field", arguments: TestBackend.enabled)
    func badInput(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 1)
            let path = "/v1/chambers/\(room.chamberID)/notifications"
            let token = room.members[0].accessToken
            #expect(try await api.call(.get, "\(path)?unread=maybe", token: token).json["error"]["field"].string == "unread")
            let cases: [([String: Any], String, String)] = [
                ([:], "validation_failed", "ids"),
                (["all": false], "validation_failed", "all"),
                (["all": true, "ids": []], "validation_failed", "all"),
                (["ids": []], "validation_failed", "ids"),
                (["ids": ["nope"]], "invalid_identifier", "ids[0]"),
                (["ids": "x"], "validation_failed", "ids"),
                (["everything": true], "validation_failed", "everything"),
            ]
            for (body, code, field) in cases {
                let response = try await api.call(.post, "\(path)/read", token: token, json: body)
                #expect(response.status == .badRequest && response.errorCode == code && response.json["error"]["field"].string == field, "\(body)")
            }
            let other = try await api.call(.post, "\(path)/read", token: token, json: ["ids": [UUID().uuidString.lowercased()]])
            #expect(other.status == .ok && other.json["unread_count"].int == 0, "unknown ids are ignored")
        }
    }
}

/// The fan-out against a real store: two workers racing over the same channels notify every message exactly once.
@Suite("Notifications: the fan-out notifies each message once")
struct NotificationFanoutTests {
    final class Recorder: NotificationDelivery, @unchecked Sendable {
        private let lock = NSLock()
        private var changes: [FeedChange] = []
        var delivered: [FeedChange] { lock.withLock { changes } }
        func delivered(_ change: FeedChange) async { lock.withLock { changes.append(change) } }
        func read(chamberID: ChamberID, userID: UserID, ids: [NotificationID]?, unreadCount: Int) async {}
        func isConnected(_ user: UserID, in chamber: ChamberID) -> Bool { false }
    }

    @Test("two workers, one store: every message counted once", arguments: TestBackend.enabled)
    func race(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 2)
            let dm = try await api.call(
                .post, "/v1/chambers/\(room.chamberID)/channels/direct", token: room.members[0].accessToken,
                json: ["user_id": room.members[1].userID])
            let channelID = dm.json["id"].string ?? ""
            let chamber = ChamberID(room.chamberID)
            let channel = ChannelID(channelID)
            // Stored straight into the store, so no worker was told: the two below race for the same work.
            let messages = api.store.scoped(to: chamber).chat.messages
            for n in 1...40 {
                _ = try await messages.append(
                    Message(
                        id: .generate(), chamberID: chamber, channelID: channel, seq: 0, senderID: UserID(room.members[0].userID),
                        clientMessageID: "r-\(n)", body: "message \(n)", replyTo: nil, mentions: [], attachments: [], createdAt: Date()))
            }
            // Only this test's channel: on PostgreSQL the tests share a database, and other tests' channels are their
            // servers' to notify.
            let workers = [NotificationFanout(store: api.store, delivery: Recorder()), NotificationFanout(store: api.store, delivery: Recorder())]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in workers {
                    group.addTask { for _ in 0..<5 { try await worker.process(chamberID: chamber, channelIDs: [channel]) } }
                }
                try await group.waitForAll()
            }
            let feed = try await api.call(.get, "/v1/chambers/\(room.chamberID)/notifications", token: room.members[1].accessToken)
            #expect(feed.json["items"].array.count == 1)
            #expect(feed.json["items"][0]["count"].int == 40, "40 messages, each counted once: \(feed.json)")
            #expect(feed.json["items"][0]["seq"].int == 40)
        }
    }

    @Test(
        "a pass writes its pushes claimed and hands them over as a claim reads them; nobody else claims them until the lease lapses",
        arguments: TestBackend.enabled)
    func handOff(_ backend: TestBackend) async throws {
        // A database of its own: its claims by another worker would take other tests' pushes on a shared one.
        try await withServer(backend, isolated: true) { api in
            let room = try await HubTests.room(api, members: 2)
            let (sender, reader) = (room.members[0], room.members[1])
            let token = "fcm-hand-off-\(UUID().uuidString)"
            let device = try await api.call(.post, "/v1/me/devices", token: reader.accessToken, json: ["platform": "fcm", "fcm": ["token": token]])
            #expect(device.status == .created)
            let dm = try await api.call(
                .post, "/v1/chambers/\(room.chamberID)/channels/direct", token: sender.accessToken, json: ["user_id": reader.userID])
            let (chamber, channel) = (ChamberID(room.chamberID), ChannelID(dm.json["id"].string ?? ""))
            let messages = api.store.scoped(to: chamber).chat.messages
            for n in 1...2 {
                _ = try await messages.append(
                    Message(
                        id: .generate(), chamberID: chamber, channelID: channel, seq: 0, senderID: UserID(sender.userID),
                        clientMessageID: "h-\(n)", body: "message \(n)", replyTo: nil, mentions: [], attachments: [], createdAt: Date()))
            }
            let instant = Date()
            let claim = PushClaim(token: "hand-off-\(UUID().uuidString)", until: instant.addingTimeInterval(30))
            let handed = Mutex<[(pushes: [ClaimedPush], claim: PushClaim)]>([])
            let woken = Mutex(0)
            let fanout = NotificationFanout(
                store: api.store, delivery: Recorder(), now: { instant },
                pushes: PushHandOff(
                    claim: { _ in claim }, send: { pushes, claim in handed.withLock { $0.append((pushes, claim)) } },
                    wake: { woken.withLock { $0 += 1 } }))
            try await fanout.process(chamberID: chamber, channelIDs: [channel])
            let passes = handed.withLock { $0 }
            #expect(passes.count == 1 && passes.first?.claim == claim)
            let push = try #require(passes.first?.pushes.first)
            #expect(passes.first?.pushes.count == 1, "two messages of one pass: one push")
            #expect(push.address == .fcm(token: token))
            #expect(push.job.count == 2 && push.job.seq == 2 && push.job.text == "message 2")
            #expect(push.job.attempts == 1, "the hand-off is the first attempt")
            #expect(push.unreadCount == 1 && push.readSeq == 0)
            #expect(woken.withLock { $0 } == 0, "nothing was left unclaimed")
            // Written claimed: a claim by another worker finds nothing while the lease holds, and the whole job once it
            // lapsed (the node that wrote it died before it sent).
            let outbox = api.store.pushOutbox
            #expect(try await outbox.claim(limit: 10, at: instant.addingTimeInterval(29), lease: 30, claim: "other").isEmpty)
            let reclaimed = try await outbox.claim(limit: 10, at: instant.addingTimeInterval(31), lease: 30, claim: "other")
            #expect(reclaimed.map(\.job.id) == [push.job.id])
            var expected = push.job
            expected.attempts = 2
            #expect(reclaimed.first?.job == expected, "the job a claim reads is the job handed over, its attempt counted again")
            #expect(reclaimed.first?.address == push.address && reclaimed.first?.unreadCount == push.unreadCount)
        }
    }

    /// The author's direct channel with each other member of the room.
    static func directChannels(_ api: TestAPI, _ room: HubTests.Room, from author: Account) async throws -> [ChannelID] {
        var channels: [ChannelID] = []
        for reader in room.members where reader.userID != author.userID {
            let dm = try await api.call(
                .post, "/v1/chambers/\(room.chamberID)/channels/direct", token: author.accessToken, json: ["user_id": reader.userID])
            channels.append(ChannelID(dm.json["id"].string ?? ""))
        }
        return channels
    }

    /// `count` messages by `author` in each of `channels`, stored straight into the store (no worker is told).
    static func append(_ count: Int, to channels: [ChannelID], round: Int, by author: Account, in chamber: ChamberID, of api: TestAPI) async throws {
        let messages = api.store.scoped(to: chamber).chat.messages
        for channel in channels {
            for n in 0..<count {
                _ = try await messages.append(
                    Message(
                        id: .generate(), chamberID: chamber, channelID: channel, seq: 0, senderID: UserID(author.userID),
                        clientMessageID: "p-\(channel)-\(round)-\(n)", body: "round \(round) message \(n)", replyTo: nil, mentions: [],
                        attachments: [], createdAt: Date()))
            }
        }
    }

    @Test(
        "a pass over more than one transaction holds: each transaction hands its own frames, every channel moves on, every message counted once",
        arguments: TestBackend.enabled)
    func passInSeveralTransactions(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 5)
            let chamber = ChamberID(room.chamberID)
            let author = room.members[0]
            let channels = try await Self.directChannels(api, room, from: author)
            let claims = Mutex(0)
            let recorder = Recorder()
            // Two notifications a transaction: the four DMs' pass is recorded in two.
            let worker = NotificationFanout(
                store: api.store, delivery: recorder,
                pushes: PushHandOff(
                    claim: { instant in
                        claims.withLock { $0 += 1 }
                        return PushClaim(token: UUID().uuidString, until: instant.addingTimeInterval(30))
                    }, send: { _, _ in }, wake: {}),
                transactionBudget: 2)
            for (round, count) in [1, 2].enumerated() {
                try await Self.append(count, to: channels, round: round, by: author, in: chamber, of: api)
                let progress = try await worker.process(chamberID: chamber, channelIDs: channels)
                #expect(progress.moved == 4 && progress.unfinished.isEmpty)
                #expect(claims.withLock { $0 } == 2 * (round + 1), "a claim per transaction")
            }
            #expect(recorder.delivered.count == 8, "each reader told after each pass")
            for (index, reader) in room.members[1...].enumerated() {
                let feed = try await api.call(.get, "/v1/chambers/\(room.chamberID)/notifications", token: reader.accessToken)
                #expect(feed.json["items"].array.count == 1, "\(feed.json)")
                let entry = feed.json["items"][0]
                #expect(entry["channel_id"].string == channels[index].rawValue && entry["count"].int == 3 && entry["seq"].int == 3, "\(entry)")
            }
            // Nothing is left: a pass finds every channel notified up to its last message.
            #expect(try await worker.process(chamberID: chamber, channelIDs: channels).moved == 0)
        }
    }

    @Test("one pass over many DMs: each grows its own entry, titled by its author; a mute silences its channel only", arguments: TestBackend.enabled)
    func passOverManyChannels(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 4)
            let chamber = ChamberID(room.chamberID)
            let author = room.members[0]
            let channels = try await Self.directChannels(api, room, from: author)
            // The third reader mutes their DM; the second mutes another channel (the third's DM, which they are not in).
            _ = try await api.call(
                .put, "/v1/chambers/\(room.chamberID)/notification-preferences/mutes/\(channels[2])", token: room.members[3].accessToken, json: [:])
            _ = try await api.call(
                .put, "/v1/chambers/\(room.chamberID)/notification-preferences/mutes/\(channels[2])", token: room.members[2].accessToken, json: [:])
            let worker = NotificationFanout(store: api.store, delivery: Recorder())
            for (round, count) in [1, 2].enumerated() {
                try await Self.append(count, to: channels, round: round, by: author, in: chamber, of: api)
                try await worker.process(chamberID: chamber, channelIDs: channels)
            }
            for (index, reader) in room.members[1...].enumerated() {
                let feed = try await api.call(.get, "/v1/chambers/\(room.chamberID)/notifications", token: reader.accessToken)
                if index == 2 {
                    #expect(feed.json["items"].array.isEmpty, "muted: \(feed.json)")
                    continue
                }
                #expect(feed.json["items"].array.count == 1, "one entry, grown: \(feed.json)")
                let entry = feed.json["items"][0]
                #expect(entry["channel_id"].string == channels[index].rawValue && entry["count"].int == 3 && entry["seq"].int == 3)
                #expect(entry["title"].string == "M0" && entry["text"].string == "round 1 message 1" && entry["actor_id"].string == author.userID)
            }
            #expect(try await api.call(.get, "/v1/chambers/\(room.chamberID)/notifications", token: author.accessToken).json["items"].array.isEmpty)
        }
    }
}
