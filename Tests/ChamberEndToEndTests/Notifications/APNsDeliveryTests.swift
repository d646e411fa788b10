import ChamberDomain
import ChamberHTTP
import ChamberRealtime
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

/// Pushes to Apple devices, end to end: a running server configured with a .p8 key, offline members with iPhones,
/// and an APNs of ours speaking HTTP/2 over TLS that checks the provider token and every header.
@Suite("Notifications: APNs over HTTP/2 with token auth")
struct APNsDeliveryTests {
    static func token() -> String { (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined() }

    static func withAPNs(
        _ backend: TestBackend, _ test: @escaping @Sendable (TestAPI, FakeAPNsService) async throws -> Void
    ) async throws {
        try await FakeAPNsService.run { apns in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("p8-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let keyFile = folder.appendingPathComponent("AuthKey.p8").path
            try apns.keyPEM.write(toFile: keyFile, atomically: true, encoding: .utf8)
            try await withServer(
                backend, isolated: true,
                configure: {
                    $0.apnsKeyFile = keyFile
                    $0.apnsKeyID = apns.keyID
                    $0.apnsTeamID = apns.teamID
                    $0.apnsProductionURL = apns.productionURL
                    $0.apnsSandboxURL = apns.sandboxURL
                    $0.pushTLSCAFile = apns.certificateFile
                    $0.pushRetryBaseMs = 200
                }
            ) { api in
                try await test(api, apns)
                #expect(apns.refused.isEmpty, "APNs refused: \(apns.refused)")
            }
        }
    }

    static func register(_ api: TestAPI, _ account: Account, token: String, environment: String = "production") async throws {
        let device = try await api.call(
            .post, "/v1/me/devices", token: account.accessToken,
            json: ["platform": "apns", "apns": ["token": token, "topic": "org.example.chamber", "environment": environment]])
        #expect(device.status == .created, "\(device.json)")
    }

    @Test("an offline member's DM reaches their iPhone once, signed, with Apple's headers and the deep link", arguments: TestBackend.enabled)
    func directMessage(_ backend: TestBackend) async throws {
        try await Self.withAPNs(backend) { api, apns in
            let room = try await HubTests.room(api, members: 2)
            let (token, sandboxToken) = (Self.token(), Self.token())
            try await Self.register(api, room.members[1], token: token)
            let sender = try await HubTests.socket(api, room.members[0], room.chamberID)
            let dm = try await sender.request(["type": "open_direct", "user_id": room.members[1].userID], expect: "channel")
            let channelID = dm["channel"]["id"].string ?? ""
            let ack = try await sender.request(
                ["type": "send", "channel_id": channelID, "client_message_id": "a-1", "body": "Lunch at noon?"], expect: "ack")
            try await eventually("the push arrives") { apns.received(by: token).count == 1 }
            let push = try #require(apns.received(by: token).first)
            #expect(!push.sandbox, "a production token goes to the production host")
            #expect(push.payload["aps"]["alert"]["title"].string == "M0" && push.payload["aps"]["alert"]["body"].string == "Lunch at noon?")
            #expect(
                push.payload["aps"]["badge"].int == 1 && push.payload["aps"]["thread-id"].string == channelID.replacingOccurrences(of: "-", with: ""))
            #expect(push.payload["channel_id"].string == channelID && push.payload["seq"].string == String(ack["seq"].int ?? 0))
            #expect(push.payload["chamber_id"].string == room.chamberID && push.payload["category"].string == "direct_messages")
            func header(_ name: String) -> String? { push.headers[HTTPField.Name(name)!] }
            #expect(header("apns-topic") == "org.example.chamber" && header("apns-priority") == "10")
            #expect(header("apns-collapse-id") == channelID.replacingOccurrences(of: "-", with: ""))
            #expect(header("apns-id") == push.payload["push_id"].string)
            try await Task.sleep(for: .milliseconds(500))
            #expect(apns.received(by: token).count == 1, "exactly once")

            // A development build's token goes to the sandbox host.
            try await Self.register(api, room.members[0], token: sandboxToken, environment: "sandbox")
            let back = try await HubTests.socket(api, room.members[1], room.chamberID)
            sender.close()
            try await eventually("the sender is offline") {
                !(api.node.realtime.hub.isConnected(UserID(room.members[0].userID), in: ChamberID(room.chamberID)))
            }
            try await back.request(["type": "send", "channel_id": channelID, "client_message_id": "a-2", "body": "Yes!"], expect: "ack")
            try await eventually("the sandbox push arrives") { apns.received(by: sandboxToken).count == 1 }
            #expect(apns.received(by: sandboxToken).first?.sandbox == true)
        }
    }

    @Test("410 Unregistered and BadDeviceToken remove the device; 429 is retried", arguments: TestBackend.enabled)
    func answers(_ backend: TestBackend) async throws {
        try await Self.withAPNs(backend) { api, apns in
            let room = try await HubTests.room(api, members: 4)
            let (gone, bad, busy) = (Self.token(), Self.token(), Self.token())
            apns.script(gone, [.init(410, "Unregistered")])
            apns.script(bad, [.init(400, "BadDeviceToken")])
            apns.script(busy, [.init(429, "TooManyRequests", retryAfter: "1")])
            for (member, token) in zip(room.members[1...], [gone, bad, busy]) { try await Self.register(api, member, token: token) }
            let sender = try await HubTests.socket(api, room.members[0], room.chamberID)
            for (index, member) in room.members[1...].enumerated() {
                let dm = try await sender.request(["type": "open_direct", "user_id": member.userID], expect: "channel")
                try await sender.request(
                    ["type": "send", "channel_id": dm["channel"]["id"].string ?? "", "client_message_id": "b-\(index)", "body": "Hello"],
                    expect: "ack")
            }
            try await eventually("the throttled push arrives after its retry") { apns.received(by: busy).count == 1 }
            try await eventually("both dead tokens are removed") {
                let counts = try? await api.store.pushOutbox.counts(in: ChamberID(room.chamberID))[.apns]
                return counts?.tokensRemoved == 2 && counts?.sent == 1
            }
            for member in room.members[1...2] {
                #expect(try await api.call(.get, "/v1/me/devices", token: member.accessToken).json["items"].array.isEmpty)
            }
            #expect(try await api.call(.get, "/v1/me/devices", token: room.members[3].accessToken).json["items"].array.count == 1)
        }
    }

    @Test("an announcement to many offline iPhones goes over one HTTP/2 connection, a stream each", arguments: TestBackend.enabled)
    func oneConnection(_ backend: TestBackend) async throws {
        try await Self.withAPNs(backend) { api, apns in
            let room = try await HubTests.room(api, members: 12)
            var tokens: [String] = []
            for member in room.members {
                let token = Self.token()
                tokens.append(token)
                try await Self.register(api, member, token: token)
            }
            let admin = try await HubTests.socket(api, room.admin, room.chamberID)
            let news = try await admin.request(["type": "create_channel", "kind": "announcement", "name": "News"], expect: "channel")
            try await admin.request(
                ["type": "send", "channel_id": news["channel"]["id"].string ?? "", "client_message_id": "n-1", "body": "Gala tonight"], expect: "ack")
            try await eventually("every member's iPhone got it") { Set(apns.received.map(\.token)) == Set(tokens) }
            #expect(apns.received.count == tokens.count, "once each")
            #expect(Set(apns.received.map(\.connection)).count == 1, "one connection for all")
            #expect(
                apns.received.allSatisfy {
                    $0.payload["aps"]["alert"]["title"].string == "News" && $0.payload["aps"]["alert"]["body"].string == "Admin: Gala tonight"
                        && $0.payload["category"].string == "announcements" && $0.headers[HTTPField.Name("apns-priority")!] == "5"
                })
            #expect(Set(apns.jwts).count == 1, "one provider token, reused")
        }
    }

    @Test("ExpiredProviderToken: the server signs a new provider token and the push goes through", arguments: TestBackend.enabled)
    func expiredToken(_ backend: TestBackend) async throws {
        try await Self.withAPNs(backend) { api, apns in
            let room = try await HubTests.room(api, members: 2)
            let token = Self.token()
            apns.script(token, [.init(403, "ExpiredProviderToken")])
            try await Self.register(api, room.members[1], token: token)
            let sender = try await HubTests.socket(api, room.members[0], room.chamberID)
            let dm = try await sender.request(["type": "open_direct", "user_id": room.members[1].userID], expect: "channel")
            try await sender.request(
                ["type": "send", "channel_id": dm["channel"]["id"].string ?? "", "client_message_id": "e-1", "body": "Ping"], expect: "ack")
            try await eventually("delivered with a new token") { apns.received(by: token).count == 1 }
            #expect(apns.jwts.count == 2 && apns.received(by: token).first?.jwt == apns.jwts.last, "the refused token was replaced")
        }
    }
}
