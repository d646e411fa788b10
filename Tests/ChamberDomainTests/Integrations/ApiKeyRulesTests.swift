import ChamberDomain
import Foundation
import Testing

@Suite("API keys: address ranges and rate limits")
struct ApiKeyRulesTests {
    static let ranges: [(range: String, address: String, inside: Bool)] = [
        ("203.0.113.7", "203.0.113.7", true), ("203.0.113.7", "203.0.113.8", false),
        ("203.0.113.0/24", "203.0.113.255", true), ("203.0.113.0/24", "203.0.114.0", false),
        ("10.0.0.0/8", "10.200.3.4", true), ("0.0.0.0/0", "198.51.100.1", true),
        ("203.0.113.0/25", "203.0.113.128", false), ("203.0.113.0/25", "203.0.113.127", true),
        ("2001:db8::/32", "2001:db8:1234::1", true), ("2001:db8::/32", "2001:db9::1", false),
        ("::1", "::1", true), ("::1", "127.0.0.1", false), ("127.0.0.1", "::ffff:127.0.0.1", true),
        ("fe80::1:2:3:4/128", "fe80:0:0:0:1:2:3:4", true), ("203.0.113.0/24", "not an address", false),
    ]

    @Test("addresses fall inside blocks by their leading bits", arguments: ranges)
    func contains(_ case: (range: String, address: String, inside: Bool)) throws {
        let range = try #require(AddressRange(`case`.range))
        #expect(range.contains(`case`.address) == `case`.inside, "\(`case`.address) in \(`case`.range)")
    }

    @Test(
        "bad ranges are refused; a block is kept by its network",
        arguments: [
            "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4/33", "::1/129", "1::2::3", "12345::1", "1.2.3.4/x", "a.b.c.d", "+1.2.3.4", "1.2.3.4/+24",
            "1.2.3.4/", "010.1.1.1", "+f::", "1:2:3:4:5:6:7:8:9",
        ])
    func refused(_ text: String) {
        #expect(AddressRange(text) == nil, "\(text)")
    }

    @Test("written back as a CIDR block of its network")
    func described() {
        #expect(AddressRange("203.0.113.77/24")?.description == "203.0.113.0/24")
        #expect(AddressRange("10.1.2.3")?.description == "10.1.2.3/32")
        #expect(AddressRange("2001:db8::1/32")?.description == "2001:db8:0:0:0:0:0:0/32")
    }

    @Test("a bucket allows its rate in a burst, then one request per share of a minute, each key on its own")
    func rateLimiter() {
        var limiter = RequestRateLimiter(perMinute: 3)
        let start = Date(timeIntervalSince1970: 1_000_000)
        for _ in 0..<3 { #expect(limiter.take("a", now: start) == nil) }
        #expect(limiter.take("a", now: start) == 20, "one token every 20 s")
        #expect(limiter.take("b", now: start) == nil, "another key has its own bucket")
        #expect(limiter.take("a", now: start.addingTimeInterval(19)) == 1)
        #expect(limiter.take("a", now: start.addingTimeInterval(20)) == nil)
        #expect(limiter.take("a", now: start.addingTimeInterval(20)) != nil)
        for _ in 0..<3 { #expect(limiter.take("a", now: start.addingTimeInterval(3_600)) == nil, "full again, never more than full") }
        #expect(limiter.take("a", now: start.addingTimeInterval(3_600)) != nil)
    }
}
