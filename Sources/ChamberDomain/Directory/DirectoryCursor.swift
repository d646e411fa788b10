import Foundation

/// Where the next page of the directory in name or age order starts: just after the last row of the page before, by
/// the order's own key. A listing added or removed meanwhile neither repeats a row on the next page nor skips one, as
/// an offset would. Pages by relevance go by offset: a rank is weighed against the whole directory's words and moves
/// with any change, so no key holds still.
public struct DirectoryCursor: KeyCursor, Hashable {
    public enum Order: String, Sendable, Hashable, Codable {
        /// By name, then id (``DirectoryQuery/Sort/name``).
        case name
        /// Newest first, then id (``DirectoryQuery/Sort/newest``).
        case newest
    }

    public let order: Order
    /// The last row's name: a business's legal name, a person's display name.
    public let name: String
    /// When the last row was made, in milliseconds (newest first).
    public let createdAt: Int64?
    /// The last row's id.
    public let id: String

    public init(order: Order, name: String, createdAt: Date? = nil, id: String) {
        self.order = order
        self.name = name
        self.createdAt = createdAt?.millisecondsSince1970
        self.id = id
    }

    /// Text without NUL (PostgreSQL refuses it), and the order's key whole.
    public var isPlausible: Bool {
        (order == .newest) == (createdAt != nil) && Self.isTime(createdAt ?? 0) && !name.contains("\u{0}") && name.count <= 400
            && Self.isIdentifier(id)
    }
}
