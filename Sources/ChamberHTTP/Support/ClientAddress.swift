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
        guard let text = address.ipAddress else { return nil }
        guard let bytes = bytes(of: text) else { return text }
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return bytes[0..<8].map { String(format: "%02x", $0) }.joined() + "/64"
    }

    /// An address's bytes: 4 for IPv4 (an IPv4 address reached over IPv6, `::ffff:a.b.c.d`, too), 16 for IPv6; nil
    /// for anything else.
    static func bytes(of text: String) -> [UInt8]? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        if v6[0..<10].allSatisfy({ $0 == 0 }), v6[10] == 0xFF, v6[11] == 0xFF { return Array(v6[12..<16]) }
        return v6
    }
}
