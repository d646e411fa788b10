import ChamberDomain
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `POST /v1/admin/load-test/provision`: what chamber-load uses to get thousands of connected accounts.
@Suite("Load-test provisioning")
struct LoadTestProvisioningTests {
    @Test("off unless enabled; platform admins only")
    func guarded() async throws {
        try await withServer(.sqlite) { api in
            let root = try await api.signUp("root")
            try await api.store.users.setPlatformAdmin(id: UserID(root.userID), true)
            let off = try await api.call(.post, "/v1/admin/load-test/provision", token: root.accessToken, json: ["members": 10])
            #expect(off.status == .forbidden && off.errorCode == "load_test_disabled")
        }
        try await withServer(
            .sqlite,
            configure: {
                $0.loadTestEnabled = true; $0.loadTestMaxAccounts = 1000
            }
        ) { api in
            let ada = try await api.signUp("ada")
            let denied = try await api.call(.post, "/v1/admin/load-test/provision", token: ada.accessToken, json: ["members": 10])
            #expect(denied.status == .forbidden && denied.errorCode == "platform_admin_required")
            let anonymous = try await api.call(.post, "/v1/admin/load-test/provision", json: ["members": 10])
            #expect(anonymous.status == .unauthorized)

            try await api.store.users.setPlatformAdmin(id: UserID(ada.userID), true)
            for bad: [String: Any] in [
                ["members": 1000], ["members": -1], ["members": 5, "admins": 0], ["members": 5, "token_ttl_seconds": 10], ["admins": 2],
            ] {
                let refused = try await api.call(.post, "/v1/admin/load-test/provision", token: ada.accessToken, json: bad)
                #expect(refused.status == .badRequest, "\(bad) → \(refused.json)")
            }
        }
    }

    @Test(
        "bulk accounts with working tokens, registered for a real event and in its room; a second call reuses them and revokes the old tokens",
        arguments: TestBackend.enabled)
    func provision(_ backend: TestBackend) async throws {
        try await withServer(backend, configure: { $0.loadTestEnabled = true }) { api in
            let root = try await api.signUp("root")
            try await api.store.users.setPlatformAdmin(id: UserID(root.userID), true)
            let first = try await api.call(.post, "/v1/admin/load-test/provision", token: root.accessToken, json: ["members": 900, "admins": 2])
            #expect(first.status == .ok)
            let accounts = first.json["accounts"].array
            #expect(accounts.count == 902)
            #expect(
                accounts.prefix(2).allSatisfy { $0["role"].string == "admin" } && accounts.dropFirst(2).allSatisfy { $0["role"].string == "member" })
            #expect(Set(accounts.compactMap { $0["user_id"].string }).count == 902)
            let chamberID = first.json["chamber_id"].string ?? ""
            let roomID = first.json["room_id"].string ?? ""
            let eventID = first.json["event_id"].string ?? ""

            // A real event: published, its live room the cohort's, every member registered, the admins its organisers.
            let adminToken = accounts[0]["access_token"].string
            let event = try await api.call(.get, "/v1/chambers/\(chamberID)/events/\(eventID)", token: adminToken)
            #expect(event.json["status"].string == "published" && event.json["room_id"].string == roomID, "\(event.json)")
            #expect(event.json["seats_taken"].int == 900, "\(event.json)")
            let attendance = try await api.call(.get, "/v1/chambers/\(chamberID)/events/\(eventID)/attendance", token: adminToken)
            #expect(attendance.json["by_status"]["confirmed"]["registrations"].int == 900, "\(attendance.json)")
            let mine = try await api.call(
                .get, "/v1/chambers/\(chamberID)/events/\(eventID)/registrations/mine", token: accounts[500]["access_token"].string)
            #expect(mine.json["status"].string == "confirmed", "\(mine.json)")
            let owners = try await api.store.scoped(to: ChamberID(chamberID)).chat.channels.owners(of: ChannelID(roomID)).map(\.rawValue)
            #expect(Set(owners) == Set(accounts.prefix(2).compactMap { $0["user_id"].string }), "\(owners)")

            // A member's token connects; an admin's posts to the room and the member receives it.
            let member = WSTestClient(port: api.client.port!, chamberID: chamberID, token: accounts[500]["access_token"].string)
            try await member.welcome()
            try await member.request(["type": "subscribe", "channel_id": roomID], expect: "subscribed")
            let admin = WSTestClient(port: api.client.port!, chamberID: chamberID, token: accounts[0]["access_token"].string)
            try await admin.welcome()
            let ack = try await admin.request(
                ["type": "send", "channel_id": roomID, "client_message_id": "hello", "body": "Welcome to the gala"], expect: "ack")
            #expect(ack["status"].string == "published")
            #expect(try await member.next("message")["message"]["body"].string == "Welcome to the gala")
            let announce = try await admin.request(
                ["type": "send", "channel_id": first.json["announcements_id"].string ?? "", "client_message_id": "a1", "body": "Doors open"],
                expect: "ack")
            #expect(announce["status"].string == "published")

            // The accounts have no usable password.
            let login = try await api.call(
                .post, "/v1/auth/login", json: ["email": "load-0@load.chamberconnect.test", "password": "correct horse battery"])
            #expect(login.status == .unauthorized)

            let second = try await api.call(.post, "/v1/admin/load-test/provision", token: root.accessToken, json: ["members": 950, "admins": 2])
            #expect(second.status == .ok)
            #expect(second.json["chamber_id"].string == chamberID && second.json["room_id"].string == roomID)
            #expect(second.json["event_id"].string == eventID, "the event is reused while it runs")
            let grown = try await api.call(
                .get, "/v1/chambers/\(chamberID)/events/\(eventID)", token: second.json["accounts"][0]["access_token"].string)
            #expect(grown.json["seats_taken"].int == 950, "only the newcomers registered: \(grown.json)")
            let again = second.json["accounts"].array
            #expect(again.count == 952)
            #expect(again.prefix(902).map { $0["user_id"].string } == accounts.map { $0["user_id"].string }, "the same accounts in the same order")
            let old = try await api.call(.get, "/v1/me", token: accounts[3]["access_token"].string)
            #expect(old.status == .unauthorized && old.errorCode == "token_revoked")
            let fresh = try await api.call(.get, "/v1/me", token: again[3]["access_token"].string)
            #expect(fresh.status == .ok)
            let members = try await api.call(.get, "/v1/chambers/\(chamberID)/members?limit=1", token: root.accessToken)
            #expect(members.status == .ok)
        }
    }

    @Test("a chamber that provisioning did not make keeps its slug")
    func realChamberUntouched() async throws {
        try await withServer(.sqlite, configure: { $0.loadTestEnabled = true }) { api in
            let root = try await api.signUp("root")
            try await api.store.users.setPlatformAdmin(id: UserID(root.userID), true)
            let taken = try await api.call(
                .post, "/v1/chambers", token: root.accessToken, json: ["name": "Squatter", "slug": LoadTestService.chamberSlug])
            #expect(taken.status == .created)
            let refused = try await api.call(.post, "/v1/admin/load-test/provision", token: root.accessToken, json: ["members": 3])
            #expect(refused.status == .conflict && refused.errorCode == "slug_taken")
        }
    }
}
