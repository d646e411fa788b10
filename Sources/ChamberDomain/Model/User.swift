import Foundation

/// A person with an account. One user may belong to many chambers, with a role in each.
public struct User: Sendable, Equatable, Codable {
    public let id: UserID
    /// Normalized (trimmed, lowercased) email; unique across the platform.
    public var email: String
    public var displayName: String
    /// Operators of the whole installation; they can list and support every chamber.
    public var isPlatformAdmin: Bool
    public let createdAt: Date

    public init(id: UserID, email: String, displayName: String, isPlatformAdmin: Bool, createdAt: Date) {
        self.id = id
        self.email = email
        self.displayName = displayName
        self.isPlatformAdmin = isPlatformAdmin
        self.createdAt = createdAt
    }
}
