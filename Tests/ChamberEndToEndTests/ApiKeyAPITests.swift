import ChamberDomain
import ChamberServer
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

@Suite("REST: API keys for a chamber's other tools")
struct ApiKeyAPITests {
    @Test(
        "a key reaches only its chamber's routes its scopes open, is audited, expires, is revoked; admins alone manage keys",
        arguments: TestBackend.enabled)
    func scoped(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await EventTests.chamber(api, members: 1)
            let keys = "\(chamber.path)/api-keys"
            let refused = try await api.call(.post, keys, token: chamber.staff.accessToken, json: ["name": "Sync", "scopes": ["members:read"]])
            #expect(refused.status == .forbidden, "admins only")
            for (body, field) in [
                (["name": "Sync", "scopes": [String]()], "scopes"), (["name": "Sync", "scopes": ["members:delete"]], "scopes[0]"),
                (["name": "Sync", "scopes": ["members:read"], "allowed_addresses": ["10.0.0.0/99"]], "allowed_addresses[0]"),
                (["name": "Sync", "scopes": ["members:read"], "expires_at": "2001-01-01T00:00:00Z"], "expires_at"),
                (["name": "Sync", "scopes": ["members:read"], "allowed_address": ["203.0.113.7"]], "allowed_address"),
            ] as [([String: Any], String)] {
                let bad = try await api.call(.post, keys, token: chamber.admin.accessToken, json: body)
                #expect(bad.status == .badRequest && bad.errorField == field, "\(bad.json)")
            }

            let created = try await api.call(
                .post, keys, token: chamber.admin.accessToken, json: ["name": "Accounting sync", "scopes": ["members:read", "billing:read"]])
            #expect(created.status == .created, "\(created.json)")
            let secret = try #require(created.json["secret"].string)
            let keyID = created.json["id"].string ?? ""
            #expect(secret.hasPrefix("cck_") && created.json["prefix"].string == String(secret.prefix(12)))
            let listed = try await api.call(.get, keys, token: chamber.admin.accessToken)
            #expect(listed.json["items"].array.count == 1 && listed.json["items"][0]["secret"].isNull, "never listed with its secret")

            // In scope: read members and invoices; out of scope, not open to keys, or another chamber: refused.
            let members = try await api.call(.get, "\(chamber.path)/members", token: secret)
            #expect(members.status == .ok && members.json["items"].array.count == 3, "\(members.json)")
            #expect(try await api.call(.get, "\(chamber.path)/invoices", token: secret).status == .ok)
            let events = try await api.call(.get, "\(chamber.path)/events", token: secret)
            #expect(events.status == .forbidden && events.errorCode == "api_key_scope_missing")
            let invite = try await api.call(.post, "\(chamber.path)/invitations", token: secret, json: ["email": "x@example.com", "role": "admin"])
            #expect(invite.status == .forbidden && invite.errorCode == "api_key_not_allowed", "\(invite.json)")
            let newKey = try await api.call(.post, keys, token: secret, json: ["name": "Escalate", "scopes": ["billing:write"]])
            #expect(newKey.status == .forbidden && newKey.errorCode == "api_key_not_allowed", "a key cannot make keys")
            let me = try await api.call(.get, "/v1/me", token: secret)
            #expect(me.status == .forbidden && me.errorCode == "api_key_not_allowed", "nor act as a person")
            let other = try await EventTests.chamber(api, members: 0)
            let elsewhere = try await api.call(.get, "\(other.path)/members", token: secret)
            #expect(elsewhere.status == .notFound && elsewhere.errorCode == "chamber_not_found")

            // Every use audited, the last one recorded.
            let audit = try await api.call(.get, "\(chamber.path)/audit-log?action=api_key.used", token: chamber.admin.accessToken)
            #expect(audit.json["items"].array.count == 2, "the two admitted uses, not the refused ones: \(audit.json)")
            #expect(try await api.call(.get, keys, token: chamber.admin.accessToken).json["items"][0]["last_used_at"].string != nil)

            // Revoked: refused at once.
            #expect(try await api.call(.delete, "\(keys)/\(keyID)", token: chamber.admin.accessToken).status == .noContent)
            let revoked = try await api.call(.get, "\(chamber.path)/members", token: secret)
            #expect(revoked.status == .unauthorized && revoked.errorCode == "api_key_invalid")
            #expect(try await api.call(.delete, "\(keys)/\(keyID)", token: chamber.admin.accessToken).errorCode == "api_key_not_found")
            let forged = try await api.call(.get, "\(chamber.path)/members", token: "cck_" + String(repeating: "A", count: 43))
            #expect(forged.status == .unauthorized && forged.errorCode == "api_key_invalid")
            let forgedElsewhere = try await api.call(.get, "/v1/me", token: "cck_" + String(repeating: "A", count: 43))
            #expect(forgedElsewhere.status == .unauthorized && forgedElsewhere.errorCode == "api_key_invalid")

            // A key made by an admin who is then demoted stops working.
            let member = chamber.members[0]
            #expect(
                try await api.call(.patch, "\(chamber.path)/members/\(member.userID)", token: chamber.admin.accessToken, json: ["role": "admin"])
                    .status == .ok)
            let theirs = try await api.call(.post, keys, token: member.accessToken, json: ["name": "Theirs", "scopes": ["members:read"]])
            let theirSecret = theirs.json["secret"].string
            #expect(try await api.call(.get, "\(chamber.path)/members", token: theirSecret).status == .ok)
            #expect(
                try await api.call(.patch, "\(chamber.path)/members/\(member.userID)", token: chamber.admin.accessToken, json: ["role": "member"])
                    .status == .ok)
            let demoted = try await api.call(.get, "\(chamber.path)/members", token: theirSecret)
            #expect(demoted.status == .unauthorized && demoted.errorCode == "api_key_invalid", "\(demoted.json)")
        }
    }

    @Test("allowed addresses and the rate per key are enforced, with Retry-After", arguments: TestBackend.enabled)
    func limits(_ backend: TestBackend) async throws {
        try await withServer(backend, configure: { $0.apiKeyRatePerMinute = 3 }) { api in
            let chamber = try await EventTests.chamber(api, members: 0)
            let keys = "\(chamber.path)/api-keys"
            let elsewhere = try await api.call(
                .post, keys, token: chamber.admin.accessToken,
                json: ["name": "Office only", "scopes": ["members:read"], "allowed_addresses": ["203.0.113.0/24"]])
            let away = try await api.call(.get, "\(chamber.path)/members", token: elsewhere.json["secret"].string)
            #expect(away.status == .forbidden && away.errorCode == "api_key_not_allowed", "the test client is on loopback")

            let local = try await api.call(
                .post, keys, token: chamber.admin.accessToken,
                json: ["name": "Local", "scopes": ["members:read"], "allowed_addresses": ["127.0.0.0/8", "::1"]])
            let secret = local.json["secret"].string
            for attempt in 1...3 { #expect(try await api.call(.get, "\(chamber.path)/members", token: secret).status == .ok, "\(attempt)") }
            let limited = try await api.call(.get, "\(chamber.path)/members", token: secret)
            #expect(limited.status == .tooManyRequests && limited.errorCode == "rate_limited")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)

            // Far enough ahead that a slow machine still creates it before it expires (a key made expired is refused).
            let expiresAt = Date().addingTimeInterval(4)
            let expiring = try await api.call(
                .post, keys, token: chamber.admin.accessToken,
                json: ["name": "Soon", "scopes": ["members:read"], "expires_at": expiresAt.iso8601Seconds])
            #expect(expiring.status == .created)
            try await Task.sleep(for: .milliseconds(Int64(max(0, expiresAt.timeIntervalSinceNow) * 1000) + 1_500))
            let expired = try await api.call(.get, "\(chamber.path)/members", token: expiring.json["secret"].string)
            #expect(expired.status == .unauthorized && expired.errorCode == "api_key_invalid")
        }
    }

    @Test("with Redis, a key's rate is counted across the cluster: two nodes together admit no more than it", arguments: TestBackend.enabled)
    func clusterRate(_ backend: TestBackend) async throws {
        let redis = try RedisTestServer()
        defer { redis.stop() }
        let database = try await backend.makeIsolatedURL()
        let prefix = unique("rate")
        @Sendable func node(_ body: @escaping @Sendable (TestAPI) async throws -> Void) async throws {
            try await withServer(
                backend,
                configure: {
                    $0.databaseURL = database
                    $0.brokerKind = .redis
                    $0.redisURL = redis.url
                    $0.redisPrefix = prefix
                    $0.apiKeyRatePerMinute = 5
                }, body)
        }
        try await node { first in
            try await node { second in
                let chamber = try await EventTests.chamber(first, members: 0)
                let key = try await first.call(
                    .post, "\(chamber.path)/api-keys", token: chamber.admin.accessToken, json: ["name": "Sync", "scopes": ["members:read"]])
                let secret = key.json["secret"].string
                // Counted per minute: start well inside one.
                while Int(Date().timeIntervalSince1970) % 60 > 50 { try await Task.sleep(for: .seconds(1)) }
                var answers: [APIResponse] = []
                for index in 0..<8 {
                    answers.append(try await (index % 2 == 0 ? first : second).call(.get, "\(chamber.path)/members", token: secret))
                }
                #expect(answers.prefix(5).allSatisfy { $0.status == .ok }, "\(answers.map(\.status.code))")
                #expect(answers.dropFirst(5).allSatisfy { $0.status == .tooManyRequests && $0.headers[.retryAfter] != nil }, "on both nodes")
            }
        }
    }
}
