import Foundation

/// Where the next page of the directory in name or age order starts: just after the last row of the page before, by
/// the order's own key. A listing added or removed meanwhile neither repeats a row on the next page nor skips one, as
/// an offset would. Pages by relevance go by offset: a rank is weighed against the whole directory's words and moves
/// with any change, so no key holds still.
public struct DirectoryCursor: Sendable, Hashable, Codable {
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

    /// The cursor as clients hold it: `k` and the key, opaque to them.
    public var text: String {
        "k" + Base64URL.encode((try? JSONEncoder().encode(self)) ?? Data())
    }

    /// Reads a cursor ``text`` gave; `invalid_cursor` for anything else.
    public init(text: String) throws(ChamberError) {
        guard text.hasPrefix("k"), text.count <= 2_000, let json = Base64URL.decode(String(text.dropFirst())),
            let cursor = try? JSONDecoder().decode(Self.self, from: json), (cursor.order == .newest) == (cursor.createdAt != nil),
            // What a row could hold: a time within the years a Date writes (no overflow on the way to the database),
            // text without NUL (PostgreSQL refuses it), an id of an identifier's length.
            (cursor.createdAt ?? 0).magnitude < 100_000_000_000_000, !cursor.name.contains("\u{0}"), cursor.name.count <= 400,
            (1...64).contains(cursor.id.count), cursor.id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else { throw ChamberError(.invalidCursor, "cursor is not one this server issued", field: "cursor") }
        self = cursor
    }

    /// Whether `text` is a key cursor rather than an offset.
    public static func isKey(_ text: String?) -> Bool { text?.hasPrefix("k") == true }
}
