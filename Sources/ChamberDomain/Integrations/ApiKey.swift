import Foundation

public typealias ApiKeyID = Identifier<ApiKey>

/// What an API key may reach: one kind of chamber data, to read or to change.
public enum ApiKeyScope: String, Sendable, Codable, CaseIterable, Comparable {
    case membersRead = "members:read"
    case directoryRead = "directory:read"
    case eventsRead = "events:read"
    case eventsWrite = "events:write"
    case billingRead = "billing:read"
    case billingWrite = "billing:write"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A chamber's key for one of its other tools (accounting, mailing): it acts as the admin who made it, on the
/// routes its scopes open, from the addresses it allows, until it expires or is revoked. Only a hash of its secret
/// is stored.
public struct ApiKey: Sendable, Equatable {
    public let id: ApiKeyID
    public let chamberID: ChamberID
    public let name: String
    /// The secret's first characters, to tell keys apart in lists.
    public let prefix: String
    public let scopes: [ApiKeyScope]
    /// Where requests may come from; empty: anywhere.
    public let allowedAddresses: [AddressRange]
    public let expiresAt: Date?
    public let createdBy: UserID
    public let createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(
        id: ApiKeyID, chamberID: ChamberID, name: String, prefix: String, scopes: [ApiKeyScope], allowedAddresses: [AddressRange], expiresAt: Date?,
        createdBy: UserID, createdAt: Date, lastUsedAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.id = id
        self.chamberID = chamberID
        self.name = name
        self.prefix = prefix
        self.scopes = scopes
        self.allowedAddresses = allowedAddresses
        self.expiresAt = expiresAt
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    /// Whether it may be used at `date`.
    public func isLive(at date: Date) -> Bool { revokedAt == nil && (expiresAt.map { date < $0 } ?? true) }

    /// Whether a request from `address` may use it.
    public func allows(address: String?) -> Bool {
        guard !allowedAddresses.isEmpty else { return true }
        guard let address else { return false }
        return allowedAddresses.contains { $0.contains(address) }
    }
}
