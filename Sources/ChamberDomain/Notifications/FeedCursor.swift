import Foundation

/// Where the next page of a member's feed starts: just after the last entry of the page before, by the feed's order
/// (most recently grown first, then id). An entry that grows meanwhile moves to the top of the feed, where the
/// member sees it first; it is not shown again further down, as an offset would show another entry twice.
public struct FeedCursor: Sendable, Hashable, Codable {
    /// When the last entry last grew, in milliseconds.
    public let updatedAt: Int64
    /// The last entry's id.
    public let id: String

    public init(after notification: Notification) {
        updatedAt = notification.updatedAt.millisecondsSince1970
        id = notification.id.rawValue
    }

    /// The cursor as clients hold it: `k` and the key, opaque to them.
    public var text: String {
        "k" + Base64URL.encode((try? JSONEncoder().encode(self)) ?? Data())
    }

    /// Reads a cursor ``text`` gave; `invalid_cursor` for anything else.
    public init(text: String) throws(ChamberError) {
        guard text.hasPrefix("k"), text.count <= 400, let json = Base64URL.decode(String(text.dropFirst())),
            let cursor = try? JSONDecoder().decode(Self.self, from: json),
            // What a row could hold: a time within the years a Date writes, an id of an identifier's shape.
            cursor.updatedAt.magnitude < 100_000_000_000_000, (1...64).contains(cursor.id.count),
            cursor.id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else { throw ChamberError(.invalidCursor, "cursor is not one this server issued", field: "cursor") }
        self = cursor
    }

    /// Whether `text` is a key cursor rather than an offset.
    public static func isKey(_ text: String?) -> Bool { text?.hasPrefix("k") == true }
}
