import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("REST: bad input is refused with a stable code and changes nothing")
struct BadInputTests {
    @Test("registration input", arguments: TestBackend.enabled)
    func registration(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let ada = try await api.signUp("ada")
            let cases: [(String, String?, [String: Any]?, String)] = [
                ("malformed JSON", "{\"email\": ", nil, "malformed_json"),
                ("not an object", "[1, 2]", nil, "validation_failed"),
                ("empty body", "", nil, "malformed_json"),
                ("missing password", nil, ["email": "x@example.com", "display_name": "X"], "validation_failed"),
                ("wrong type", nil, ["email": 42, "password": "correct horse battery", "display_name": "X"], "validation_failed"),
                ("bad email", nil, ["email": "not-an-email", "password": "correct horse battery", "display_name": "X"], "invalid_email"),
                ("weak password", nil, ["email": "weak@example.com", "password": "123", "display_name": "X"], "weak_password"),
                ("empty name", nil, ["email": "noname@example.com", "password": "correct horse battery", "display_name": "  "], "validation_failed"),
                (
                    "oversized name", nil,
                    ["email": "long@example.com", "password": "correct horse battery", "display_name": String(repeating: "n", count: 300)],
                    "validation_failed"
                ),
                (
                    "duplicate email", nil, ["email": ada.email.uppercased(), "password": "correct horse battery", "display_name": "Twin"],
                    "email_taken"
                ),
            ]
            for (name, raw, json, code) in cases {
                let response = try await api.call(.post, "/v1/auth/register", json: json, raw: raw)
                #expect(response.errorCode == code, "\(name): \(response.json)")
                #expect((400..<500).contains(response.status.code), "\(name)")
            }
            let huge = try await api.call(.post, "/v1/auth/register", raw: "{\"email\": \"" + String(repeating: "a", count: 70_000) + "\"}")
            #expect(huge.status == .contentTooLarge && huge.errorCode == "payload_too_large")
            // Nothing was stored by the refused requests, and the original account is intact.
            #expect(try await api.store.users.find(email: "weak@example.com") == nil)
            #expect(try await api.store.users.find(email: "x@example.com") == nil)
            _ = try await api.logIn(email: ada.email, password: ada.password)
        }
    }

    @Test("chamber input", arguments: TestBackend.enabled)
    func chamberInput(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let ada = try await api.signUp("ada")
            let chamberID = try await api.createChamber(ada, name: "Original")
            let bad: [([String: Any], String)] = [
                (["name": ""], "validation_failed"),
                (["name": "X", "slug": "Not A Slug"], "validation_failed"),
                (["name": "X", "settings": ["timezone": "Mars/Base"]], "validation_failed"),
                (["name": "X", "branding": ["primary_color": "blue"]], "validation_failed"),
                (["name": "X", "branding": ["logo_url": "ftp://x"]], "validation_failed"),
            ]
            for (json, code) in bad {
                let response = try await api.call(.post, "/v1/chambers", token: ada.accessToken, json: json)
                #expect(response.status == .badRequest && response.errorCode == code, "\(json)")
            }
            let patch = try await api.call(
                .patch, "/v1/chambers/\(chamberID)", token: ada.accessToken,
                json: ["name": "Renamed", "settings": ["currency": "dollars"]])
            #expect(patch.status == .badRequest && patch.json["error"]["field"].string == "settings.currency")
            let unchanged = try await api.call(.get, "/v1/chambers/\(chamberID)", token: ada.accessToken)
            #expect(unchanged.json["name"].string == "Original", "a refused PATCH changes nothing")

            let badID = try await api.call(.get, "/v1/chambers/not-a-uuid", token: ada.accessToken)
            #expect(badID.status == .badRequest && badID.errorCode == "invalid_identifier")
            let badRole = try await api.call(
                .post, "/v1/chambers/\(chamberID)/invitations", token: ada.accessToken, json: ["email": "r@example.com", "role": "overlord"])
            #expect(badRole.status == .badRequest && badRole.errorCode == "validation_failed")
            let badPage = try await api.call(.get, "/v1/chambers/\(chamberID)/members?limit=0", token: ada.accessToken)
            #expect(badPage.status == .badRequest)
            let badCursor = try await api.call(.get, "/v1/chambers/\(chamberID)/members?cursor=zzz", token: ada.accessToken)
            #expect(badCursor.errorCode == "invalid_cursor")
        }
    }

    @Test("unknown routes and methods answer JSON errors")
    func unknownRoutes() async throws {
        try await withServer(.sqlite) { api in
            let response = try await api.client.executeRequest(uri: "/v1/nothing-here", method: .get, headers: [:], body: nil)
            #expect(response.status == .notFound)
            let json = try JSON.parse(Data(response.body.readableBytesView))
            #expect(json["error"]["code"].string == "not_found")
        }
    }
}
