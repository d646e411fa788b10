import NIOCore
import Testing

@testable import ChamberHTTP

/// What the limits per address count: an IPv4 address itself, an IPv6 address's /64, a mapped IPv4 as IPv4.
@Suite("Address blocks for the limits per address")
struct AddressBlockTests {
    @Test(
        "keys",
        arguments: [
            ("198.51.100.7", "198.51.100.7"),
            ("2001:db8:1:2::5", "20010db800010002/64"),
            ("2001:db8:1:2:ffff:ffff:ffff:9", "20010db800010002/64"),
            ("2001:db8:1:3::5", "20010db800010003/64"),
            ("::ffff:198.51.100.7", "198.51.100.7"),
            ("::1", "0000000000000000/64"),
        ])
    func key(_ address: String, _ expected: String) throws {
        #expect(AddressBlock.key(try SocketAddress(ipAddress: address, port: 443)) == expected)
    }
}
