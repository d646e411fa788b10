import Foundation

/// A cursor that names where the next page starts by the last row's key, not by an offset: `k` and the key as
/// base64url JSON, opaque to clients. Each kind checks what a row could hold (``isPlausible``), so a made-up cursor
/// is `invalid_cursor`, never a query the database cannot run.
public protocol KeyCursor: Codable, Sendable {
    /// Whether the decoded key could be a row's (lengths, characters, times in range).
    var isPlausible: Bool { get }
}

extension KeyCursor {
    /// The cursor as clients hold it.
    public var text: String {
        "k" + Base64URL.encode((try? JSONEncoder().encode(self)) ?? Data())
    }

    /// Reads a cursor ``text`` gave; `invalid_cursor` for anything else.
    public init(text: String) throws(ChamberError) {
        guard text.hasPrefix("k"), text.count <= 2_000, let json = Base64URL.decode(String(text.dropFirst())),
            let cursor = try? JSONDecoder().decode(Self.self, from: json), cursor.isPlausible
        else { throw ChamberError(.invalidCursor, "cursor is not one this server issued", field: "cursor") }
        self = cursor
    }

    /// Whether `text` is a key cursor rather than an offset one.
    public static func isKey(_ text: String?) -> Bool { text?.hasPrefix("k") == true }

    /// Whether `id` has an identifier's shape.
    static func isIdentifier(_ id: String) -> Bool {
        (1...64).contains(id.count) && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    /// Whether `milliseconds` is within the years a `Date` writes (no overflow on the way to the database).
    static func isTime(_ milliseconds: Int64) -> Bool { milliseconds.magnitude < 100_000_000_000_000 }
}
