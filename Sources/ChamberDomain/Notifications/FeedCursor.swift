import Foundation

/// Where the next page of a member's feed starts: just after the last entry of the page before, by the feed's order
/// (most recently grown first, then id). An entry that grows meanwhile moves to the top of the feed, where the
/// member sees it first; it is not shown again further down, as an offset would show another entry twice.
public struct FeedCursor: KeyCursor, Hashable {
    /// When the last entry last grew, in milliseconds.
    public let updatedAt: Int64
    /// The last entry's id.
    public let id: String

    public init(after notification: Notification) {
        updatedAt = notification.updatedAt.millisecondsSince1970
        id = notification.id.rawValue
    }

    public var isPlausible: Bool { Self.isTime(updatedAt) && Self.isIdentifier(id) }
}
