import Foundation

/// An IPv4 or IPv6 address, or a CIDR block of them (`203.0.113.0/24`, `2001:db8::/32`).
public struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    let network: [UInt8]
    let prefixLength: Int

    /// Parses an address or block; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let bytes = Self.bytes(of: parts[0]) else { return nil }
        let length: Int
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let parsed = Int(parts[1]),
                (0...bytes.count * 8).contains(parsed)
            else { return nil }
            length = parsed
        } else {
            length = bytes.count * 8
        }
        network = Self.masked(bytes, length)
        prefixLength = length
    }

    /// Whether `address` lies in this range (an IPv4 address matches an IPv4 range only).
    public func contains(_ address: String) -> Bool {
        guard let bytes = Self.bytes(of: address), bytes.count == network.count else { return false }
        return Self.masked(bytes, prefixLength) == network
    }

    public var description: String {
        let address: String
        if network.count == 4 {
            address = network.map(String.init).joined(separator: ".")
        } else {
            address = stride(from: 0, to: 16, by: 2).map { String(UInt16(network[$0]) << 8 | UInt16(network[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        }
        return "\(address)/\(prefixLength)"
    }

    private static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bits = min(8, max(0, length - index * 8))
            return bits == 8 ? byte : byte & ~(UInt8(0xff) >> UInt8(bits))
        }
    }

    /// The 4 or 16 bytes of a textual address (an IPv4-mapped IPv6 address reads as IPv4).
    static func bytes(of text: String) -> [UInt8]? {
        if text.contains(":") {
            if text.lowercased().hasPrefix("::ffff:"), let v4 = bytes(of: String(text.dropFirst(7))), v4.count == 4 { return v4 }
            let halves = text.components(separatedBy: "::")
            guard halves.count <= 2 else { return nil }
            func groups(_ part: String) -> [UInt16?] {
                part.isEmpty
                    ? []
                    : part.split(separator: ":", omittingEmptySubsequences: false).map {
                        !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isHexDigit) ? UInt16($0, radix: 16) : nil
                    }
            }
            let head = groups(halves[0])
            let tail = halves.count == 2 ? groups(halves[1]) : []
            guard !head.contains(nil), !tail.contains(nil) else { return nil }
            let fill = 8 - head.count - tail.count
            guard halves.count == 2 ? fill >= 1 : fill == 0 else { return nil }
            let all = head.compactMap { $0 } + Array(repeating: 0, count: halves.count == 2 ? fill : 0) + tail.compactMap { $0 }
            return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
        }
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for octet in octets {
            // Digits only (no sign), and no leading zero: "010" is octal to some parsers and decimal to others.
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy({ $0.isASCII && $0.isNumber }), octet == "0" || octet.first != "0",
                let value = UInt8(octet)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }
}
