import Foundation

/// A typed identifier: an opaque string (a lowercase UUID when we mint it) tagged with the entity it names,
/// so a `UserID` can never be passed where a `ChamberID` is expected.
public struct Identifier<Entity>: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// A new random identifier.
    public static func generate() -> Self { Self(UUID().uuidString.lowercased()) }

    /// A new identifier that sorts after those made in an earlier millisecond (by this clock; within one millisecond
    /// the order is random): a version 7 UUID (RFC 9562 §5.7), the milliseconds since
    /// 1970 then 74 random bits. For rows written by the thousand (messages, notifications, push jobs): a new key lands
    /// at the end of its index instead of on a random page, so a batch dirties, and writes to the log, a few pages
    /// rather than one per row. Not for secrets: the first 48 bits are the creation time.
    public static func generateOrdered(at instant: Date = Date()) -> Self {
        var random = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, instant.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        // 0xMMMMMMMM_MMMM_7rrr, then the variant (binary 10) and 62 random bits.
        let high = milliseconds << 16 | 0x7000 | random.next() & 0x0FFF
        let low = 0x8000_0000_0000_0000 | random.next() & 0x3FFF_FFFF_FFFF_FFFF
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        let uuid = UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
                bytes[12], bytes[13], bytes[14], bytes[15]
            ))
        return Self(uuid.uuidString.lowercased())
    }

    /// Parses an identifier received from a client; only UUIDs are accepted so that junk never reaches a query.
    public init?(validating raw: String) {
        guard raw.count == 36, UUID(uuidString: raw) != nil else { return nil }
        self.rawValue = raw.lowercased()
    }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

public typealias UserID = Identifier<User>
public typealias ChamberID = Identifier<Chamber>
public typealias BusinessID = Identifier<Business>
public typealias InvitationID = Identifier<Invitation>
public typealias SessionID = Identifier<AuthSession>
