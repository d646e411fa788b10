import NIOCore
import Testing

@testable import ChamberHTTP

/// Whose address a request carries: a trusted proxy's requests come from the rightmost address in `X-Forwarded-For`
/// that is not a trusted proxy; anyone else's from their peer.
@Suite("Trusted proxies and X-Forwarded-For")
struct TrustedProxiesTests {
    static let trusted = try! TrustedProxies(parsing: ["127.0.0.1", "10.0.0.0/8", "fd00::/8"])

    @Test(
        "the client of a request",
        arguments: [
            // (peer, X-Forwarded-For values, client)
            ("127.0.0.1", ["203.0.113.9"], "203.0.113.9"),
            ("127.0.0.1", [], "127.0.0.1"),
            ("10.1.2.3", ["198.51.100.1, 203.0.113.9"], "203.0.113.9"),
            ("127.0.0.1", ["203.0.113.9, 10.0.0.5"], "203.0.113.9"),
            ("127.0.0.1", ["198.51.100.1", "203.0.113.9, 10.9.9.9"], "203.0.113.9"),
            ("127.0.0.1", ["10.0.0.5, 10.0.0.6"], "127.0.0.1"),
            ("127.0.0.1", ["unknown"], "127.0.0.1"),
            ("127.0.0.1", ["203.0.113.9, garbage, 10.0.0.5"], "127.0.0.1"),
            ("127.0.0.1", ["2001:db8::7"], "2001:db8::7"),
            ("127.0.0.1", ["203.0.113.9:4711"], "203.0.113.9"),
            ("127.0.0.1", ["[2001:db8::7]:4711"], "2001:db8::7"),
            ("fd00::1", ["203.0.113.9"], "203.0.113.9"),
            ("::ffff:127.0.0.1", ["203.0.113.9"], "203.0.113.9"),
            ("198.51.100.1", ["203.0.113.9"], "198.51.100.1"),
            ("11.0.0.1", ["203.0.113.9"], "11.0.0.1"),
        ])
    func client(_ peer: String, _ forwarded: [String], _ expected: String) throws {
        let address = try SocketAddress(ipAddress: peer, port: 40_000)
        #expect(Self.trusted.client(of: address, forwardedFor: forwarded)?.ipAddress == expected)
    }

    @Test("nothing is trusted by default")
    func noneTrusted() throws {
        let peer = try SocketAddress(ipAddress: "127.0.0.1", port: 40_000)
        #expect(TrustedProxies.none.client(of: peer, forwardedFor: ["203.0.113.9"])?.ipAddress == "127.0.0.1")
    }

    @Test(
        "entries that name no address block are refused",
        arguments: ["localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/", "1.2.3", "0.0.0.0/0", "::/0"])
    func refused(_ entry: String) {
        #expect(throws: TrustedProxies.Refusal.self) { try TrustedProxies(parsing: [entry]) }
    }

    @Test(
        "blocks match by their prefix",
        arguments: [
            ("10.0.0.0/8", "10.255.1.1", true), ("10.0.0.0/8", "11.0.0.1", false),
            ("192.168.4.0/22", "192.168.7.255", true), ("192.168.4.0/22", "192.168.8.0", false), ("128.0.0.0/1", "203.0.113.9", true),
            ("2001:db8::/32", "2001:db8:ffff::1", true), ("2001:db8::/32", "2001:db9::1", false), ("10.0.0.0/8", "::ffff:10.0.0.1", true),
        ])
    func prefix(_ block: String, _ address: String, _ inside: Bool) throws {
        #expect(try TrustedProxies(parsing: [block]).contains(try SocketAddress(ipAddress: address, port: 1)) == inside)
    }
}
