import ChamberDomain
import Foundation
import Hummingbird
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

extension AppRequestContext {
    /// Where the request comes from: the address for sessions, and what the limits per address count.
    func client(_ request: Request) -> ClientInfo {
        ClientInfo(
            address: clientAddress?.ipAddress, userAgent: request.headers[.userAgent], limitKey: clientAddress.flatMap(AddressBlock.key))
    }
}

/// What the limits per address count for a peer: an IPv4 address itself, an IPv6 address's /64. A host is handed a
/// whole /64 (and picks new addresses in it at will), so counting each address would let one holder past every limit.
enum AddressBlock {
    static func key(_ address: SocketAddress) -> String? {
        guard case .v6 = address, let text = address.ipAddress else { return address.ipAddress }
        var bytes = [UInt8](repeating: 0, count: 16)
        guard inet_pton(AF_INET6, text, &bytes) == 1 else { return text }
        // An IPv4 address reached over IPv6 (::ffff:a.b.c.d) is that IPv4 address.
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return bytes[12..<16].map(String.init).joined(separator: ".")
        }
        return bytes[0..<8].map { String(format: "%02x", $0) }.joined() + "/64"
    }
}
