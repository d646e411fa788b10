import ChamberHTTP
import ChamberServer
import ChamberTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// A node behind a proxy it trusts (README "Running a cluster"): requests come from the client the proxy names in
/// `X-Forwarded-For`, for the limits per address and the sessions' addresses, and the proxy's own connections are not
/// counted per address. A node that trusts no proxy believes no such header.
@Suite("Connections: a trusted proxy and X-Forwarded-For")
struct TrustedProxyTests {
    static func forwarded(_ address: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Forwarded-For")!] = "192.0.2.200, \(address)"
        return headers
    }

    static func wrongLogin(_ api: TestAPI, _ n: Int, from address: String?) async throws -> APIResponse {
        try await api.call(
            .post, "/v1/auth/login", json: ["email": "guess\(n)@example.com", "password": "wrong password!"],
            headers: address.map(forwarded) ?? [:])
    }

    @Test("behind a trusted proxy each client is limited on its own and its session shows its address; the proxy's connections are not counted")
    func trusted() async throws {
        try await withServer(
            .sqlite,
            configure: {
                $0.trustedProxies = try! TrustedProxies(parsing: ["127.0.0.1", "::1"])
                $0.loginMaxFailuresPerAddress = 3
                $0.maxConnectionsPerAddress = 2
            }
        ) { api in
            for n in 0..<3 { #expect(try await Self.wrongLogin(api, n, from: "203.0.113.1").errorCode == "invalid_credentials") }
            #expect(try await Self.wrongLogin(api, 3, from: "203.0.113.1").errorCode == "rate_limited", "that client is held back")
            #expect(
                try await Self.wrongLogin(api, 4, from: "203.0.113.2").errorCode == "invalid_credentials", "another client behind the proxy is not")
            #expect(try await Self.wrongLogin(api, 5, from: nil).errorCode == "invalid_credentials", "nor the proxy itself")

            let ada = try await api.signUp("ada")
            let login = try await api.call(
                .post, "/v1/auth/login", json: ["email": ada.email, "password": ada.password], headers: Self.forwarded("198.51.100.77"))
            let sessions = try await api.call(.get, "/v1/auth/sessions", token: login.json["access_token"].string)
            let current = sessions.json["items"].array.first { $0["current"].bool == true }
            #expect(current?["ip_address"].string == "198.51.100.77", "\(sessions.json)")

            // Two connections per address, and the proxy (this test, on loopback) holds five.
            let port = try #require(api.client.port)
            let held = (0..<4).compactMap { _ in RawHTTP.connectLoopback(port: port) }
            defer { held.forEach { close($0) } }
            #expect(held.count == 4)
            for fd in held { #expect(await ConnectionLimitsTests.health(on: fd) == 200) }
        }
    }

    @Test("a node that trusts no proxy takes every request from its peer, whatever X-Forwarded-For says")
    func untrusted() async throws {
        try await withServer(.sqlite, configure: { $0.loginMaxFailuresPerAddress = 3 }) { (api: TestAPI) async throws in
            for n in 0..<3 { #expect(try await Self.wrongLogin(api, n, from: "203.0.113.\(n)").errorCode == "invalid_credentials") }
            #expect(try await Self.wrongLogin(api, 3, from: "203.0.113.99").errorCode == "rate_limited", "a named address changes nothing")
        }
    }
}
