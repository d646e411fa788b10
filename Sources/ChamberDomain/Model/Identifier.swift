import Foundation

/// A typed identifier: an opaque string (a lowercase UUID when we mint it) tagged with the entity it names,
/// so a `UserID` can never be passed where a `ChamberID` is expected.
public struct Identifier<Entity>: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// A new random identifier.
    public static func generate() -> Self { Self(UUID().uuidString.lowercased()) }

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
