import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

@Suite("REST: devices that receive pushes")
struct DeviceAPITests {
    static func apns(_ token: String, topic: String = "org.example.chamber", name: String? = nil) -> [String: Any] {
        var body: [String: Any] = ["platform": "apns", "apns": ["token": token, "topic": topic, "environment": "sandbox"]]
        if let name { body["name"] = name }
        return body
    }

    /// Device tokens unique to one test: on PostgreSQL the tests share one database, where a token registered by
    /// another test's user would change hands.
    struct Tokens {
        let prefix = String(format: "%016llx", UInt64.random(in: 0...UInt64.max))
        subscript(_ n: Int) -> String { prefix + String(format: "%048x", n) }
    }

    @Test("register, list, re-register without doubling, remove", arguments: TestBackend.enabled)
    func lifecycle(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let tokens = Tokens()
            let ada = try await api.signUp("ada")
            let first = try await api.call(.post, "/v1/me/devices", token: ada.accessToken, json: Self.apns(tokens[1], name: "Ada's iPhone"))
            #expect(first.status == .created)
            #expect(first.json["platform"].string == "apns" && first.json["apns_environment"].string == "sandbox")
            #expect(first.json["token_hint"].string == "…" + tokens[1].suffix(8))
            #expect(first.json["current_session"].bool == true)
            #expect(!String(decoding: first.body, as: UTF8.self).contains(tokens[1]), "the token itself is never shown")

            let again = try await api.call(.post, "/v1/me/devices", token: ada.accessToken, json: Self.apns(tokens[1], name: "renamed"))
            #expect(again.status == .ok, "the same token again is the same device")
            #expect(again.json["id"] == first.json["id"] && again.json["name"].string == "renamed")

            let fcm = try await api.call(
                .post, "/v1/me/devices", token: ada.accessToken, json: ["platform": "fcm", "fcm": ["token": "fcm-\(tokens.prefix)"]])
            #expect(fcm.status == .created)
            let p256dh = Data([4] + Array(repeating: UInt8(1), count: 64)).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            let web = try await api.call(
                .post, "/v1/me/devices", token: ada.accessToken,
                json: [
                    "platform": "web_push",
                    "web_push": [
                        "endpoint": "https://updates.push.example.org/wpush/v2/\(tokens.prefix)", "expirationTime": NSNull(),
                        "keys": ["p256dh": p256dh, "auth": "AAAAAAAAAAAAAAAAAAAAAA"],
                    ],
                ])
            #expect(web.status == .created && web.json["token_hint"].string == "https://updates.push.example.org")

            let list = try await api.call(.get, "/v1/me/devices", token: ada.accessToken)
            #expect(list.json["items"].array.compactMap { $0["platform"].string } == ["web_push", "fcm", "apns"], "newest first")

            let bob = try await api.signUp("bob")
            let notYours = try await api.call(.delete, "/v1/me/devices/\(fcm.json["id"].string ?? "")", token: bob.accessToken)
            #expect(notYours.status == .notFound && notYours.errorCode == "device_not_found")
            let removed = try await api.call(.delete, "/v1/me/devices/\(fcm.json["id"].string ?? "")", token: ada.accessToken)
            #expect(removed.status == .noContent)
            let twice = try await api.call(.delete, "/v1/me/devices/\(fcm.json["id"].string ?? "")", token: ada.accessToken)
            #expect(twice.errorCode == "device_not_found")
            #expect(try await api.call(.get, "/v1/me/devices", token: ada.accessToken).json["items"].array.count == 2)
        }
    }

    @Test("a phone that changes hands pushes only to its new user", arguments: TestBackend.enabled)
    func changesHands(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let tokens = Tokens()
            let ada = try await api.signUp("ada")
            let bob = try await api.signUp("bob")
            _ = try await api.call(.post, "/v1/me/devices", token: ada.accessToken, json: Self.apns(tokens[7]))
            let taken = try await api.call(.post, "/v1/me/devices", token: bob.accessToken, json: Self.apns(tokens[7]))
            #expect(taken.status == .ok)
            #expect(try await api.call(.get, "/v1/me/devices", token: ada.accessToken).json["items"].array.isEmpty)
            #expect(try await api.call(.get, "/v1/me/devices", token: bob.accessToken).json["items"].array.count == 1)
        }
    }

    @Test("a device follows its session: logout, revocation, password change", arguments: TestBackend.enabled)
    func followsSession(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let tokens = Tokens()
            let ada = try await api.signUp("ada")
            let tablet = try await api.logIn(email: ada.email, password: ada.password)
            let laptop = try await api.logIn(email: ada.email, password: ada.password)
            _ = try await api.call(.post, "/v1/me/devices", token: ada.accessToken, json: Self.apns(tokens[1]))
            _ = try await api.call(.post, "/v1/me/devices", token: tablet.accessToken, json: Self.apns(tokens[2]))
            _ = try await api.call(.post, "/v1/me/devices", token: laptop.accessToken, json: Self.apns(tokens[3]))
            let seen = try await api.call(.get, "/v1/me/devices", token: ada.accessToken)
            #expect(seen.json["items"].array.count == 3)
            #expect(seen.json["items"].array.filter { $0["current_session"].bool == true }.count == 1)

            #expect(try await api.call(.post, "/v1/auth/logout", token: tablet.accessToken).status == .noContent)
            #expect(try await Self.hints(api, ada) == ["…" + tokens[3].suffix(8), "…" + tokens[1].suffix(8)])

            #expect(try await api.call(.delete, "/v1/auth/sessions/\(laptop.sessionID)", token: ada.accessToken).status == .noContent)
            #expect(try await Self.hints(api, ada) == ["…" + tokens[1].suffix(8)])

            let phone = try await api.logIn(email: ada.email, password: ada.password)
            _ = try await api.call(.post, "/v1/me/devices", token: phone.accessToken, json: Self.apns(tokens[4]))
            let changed = try await api.call(
                .post, "/v1/auth/password", token: ada.accessToken,
                json: ["current_password": ada.password, "new_password": "another horse battery"])
            #expect(changed.status == .noContent)
            #expect(try await Self.hints(api, ada) == ["…" + tokens[1].suffix(8)], "the other sessions' devices are gone")

            // A replayed refresh token revokes its session (theft): the session's device goes with it.
            let stolen = try await api.logIn(email: ada.email, password: "another horse battery")
            _ = try await api.call(.post, "/v1/me/devices", token: stolen.accessToken, json: Self.apns(tokens[5]))
            #expect(try await Self.hints(api, ada).count == 2)
            #expect(try await api.call(.post, "/v1/auth/refresh", json: ["refresh_token": stolen.refreshToken]).status == .ok)
            let replay = try await api.call(.post, "/v1/auth/refresh", json: ["refresh_token": stolen.refreshToken])
            #expect(replay.errorCode == "refresh_token_reused")
            #expect(try await Self.hints(api, ada) == ["…" + tokens[1].suffix(8)])
        }
    }

    static func hints(_ api: TestAPI, _ account: Account) async throws -> [String] {
        try await api.call(.get, "/v1/me/devices", token: account.accessToken).json["items"].array.compactMap { $0["token_hint"].string }
    }

    @Test("at most 10 devices: the eleventh removes the one registered longest ago", arguments: TestBackend.enabled)
    func limit(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let tokens = Tokens()
            let ada = try await api.signUp("ada")
            for n in 1...11 {
                _ = try await api.call(.post, "/v1/me/devices", token: ada.accessToken, json: Self.apns(tokens[n]))
            }
            let hints = try await Self.hints(api, ada)
            #expect(hints.count == 10)
            #expect(!hints.contains("…" + tokens[1].suffix(8)))
            #expect(hints.first == "…" + tokens[11].suffix(8))
        }
    }

    @Test("bad registrations: a clear code and the field, nothing stored", arguments: TestBackend.enabled)
    func badInput(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let tokens = Tokens()
            let ada = try await api.signUp("ada")
            let cases: [([String: Any], String)] = [
                (["platform": "pager"], "platform"),
                (["apns": ["token": tokens[1], "topic": "a.b"]], "platform"),
                (["platform": "apns", "apns": ["token": "nothex", "topic": "a.b"]], "apns.token"),
                (["platform": "apns", "apns": ["token": tokens[1], "topic": "a.b", "sound": "x"]], "apns.sound"),
                (["platform": "apns", "apns": ["token": tokens[1], "topic": "a.b"], "colour": "red"], "colour"),
                (["platform": "fcm", "apns": ["token": tokens[1], "topic": "a.b"]], "apns"),
                (["platform": "fcm", "fcm": ["token": 42]], "fcm.token"),
                (["platform": "web_push", "web_push": ["endpoint": "https://p.example/x"]], "web_push.keys"),
                (["platform": "fcm", "fcm": ["token": "ok"], "name": String(repeating: "n", count: 101)], "name"),
            ]
            for (body, field) in cases {
                let response = try await api.call(.post, "/v1/me/devices", token: ada.accessToken, json: body)
                #expect(response.status == .badRequest && response.errorCode == "validation_failed", "\(body)")
                #expect(response.json["error"]["field"].string == field, "\(body): \(response.json)")
            }
            #expect(try await api.call(.get, "/v1/me/devices", token: ada.accessToken).json["items"].array.isEmpty)
            #expect(try await api.call(.get, "/v1/me/devices").status == .unauthorized)
        }
    }
}
