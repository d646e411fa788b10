import Foundation
import NIOCore

/// The proxies in front of the node (a load balancer, nginx) whose `X-Forwarded-For` is believed.
///
/// Behind a proxy every connection comes from the proxy's address, so the limits per address would count all clients
/// together. A request from a trusted proxy is taken to come from the address the proxy names instead: the rightmost
/// entry of `X-Forwarded-For` that is not itself a trusted proxy (entries further left were written by the client and
/// may be anything). A request from any other peer is its peer, whatever it says.
public struct TrustedProxies: Sendable, Equatable {
    /// One address block: an address's bytes (4 for IPv4, 16 for IPv6) and how many leading bits must match.
    struct Block: Sendable, Equatable {
        let bytes: [UInt8]
        let prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var bits = prefix
            for (mine, theirs) in zip(bytes, address) where bits > 0 {
                let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                guard mine & mask == theirs & mask else { return false }
                bits -= 8
            }
            return true
        }
    }

    let blocks: [Block]

    /// No proxy is trusted: every request is its peer.
    public static let none = TrustedProxies(blocks: [])

    init(blocks: [Block]) {
        self.blocks = blocks
    }

    /// Addresses and blocks, as written in the configuration: `127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`.
    /// - Throws: ``TrustedProxies/Refusal`` naming the first entry that is none of these.
    public init(parsing entries: [String]) throws(Refusal) {
        var blocks: [Block] = []
        for entry in entries.map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let bytes = AddressBlock.bytes(of: parts[0]) else { throw Refusal(entry: entry, "is not an IPv4 or IPv6 address") }
            let width = bytes.count * 8
            var prefix = width
            if parts.count == 2 {
                // Every address (/0) would let anyone name any client.
                guard let bits = Int(parts[1]), (1...width).contains(bits) else {
                    throw Refusal(entry: entry, "has a prefix length that is not 1 to \(width)")
                }
                prefix = bits
            }
            blocks.append(Block(bytes: bytes, prefix: prefix))
        }
        self.blocks = blocks
    }

    /// An entry of the list that names nothing usable.
    public typealias Refusal = ListEntryRefusal

    /// Whether `address` is one of the trusted proxies.
    public func contains(_ address: SocketAddress) -> Bool {
        guard !blocks.isEmpty, let text = address.ipAddress, let bytes = AddressBlock.bytes(of: text) else { return false }
        return blocks.contains { $0.contains(bytes) }
    }

    /// The client a request from `peer` with these `X-Forwarded-For` header values came from.
    public func client(of peer: SocketAddress?, forwardedFor values: [String]) -> SocketAddress? {
        guard let peer, contains(peer), !values.isEmpty else { return peer }
        let hops = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed().map(Self.withoutPort) {
            // A hop that is no address (a proxy's "unknown", garbage) ends the chain: nothing left of it can be trusted.
            guard AddressBlock.bytes(of: hop) != nil, let address = try? SocketAddress(ipAddress: hop, port: 0) else { return peer }
            if !contains(address) { return address }
        }
        return peer
    }

    /// The address of a hop some proxies write with its port: `203.0.113.9:4711`, `[2001:db8::7]:4711`.
    static func withoutPort(_ hop: String) -> String {
        if hop.hasPrefix("["), let close = hop.firstIndex(of: "]") { return String(hop[hop.index(after: hop.startIndex)..<close]) }
        if hop.filter({ $0 == ":" }).count == 1, let colon = hop.firstIndex(of: ":") { return String(hop[..<colon]) }
        return hop
    }
}
