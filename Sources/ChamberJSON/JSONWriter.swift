/// Writes a JSON object straight to bytes, field by field: for bodies of a fixed shape sent thousands of times a second
/// (a push provider's request), where walking an `Encodable` cost more than the send. Keys and strings are escaped as
/// ``JSONBytesEncoder`` escapes them; the shape is the caller's.
///
/// ```swift
/// var json = JSONWriter()
/// json.object { message in
///     message.field("token", token)
///     message.object("data") { data in data.field("seq", "7") }
/// }
/// ```
public struct JSONWriter {
    /// What was written so far.
    public private(set) var bytes: [UInt8] = []
    private var hasField = false

    public init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    /// An object at the top, or as an array's element: `{`, the fields `body` writes, `}`.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        let outer = hasField
        hasField = false
        body(&self)
        hasField = outer
        bytes.append(UInt8(ascii: "}"))
    }

    /// A field whose value is an object.
    public mutating func object(_ key: String, _ body: (inout JSONWriter) -> Void) {
        self.key(key)
        object(body)
    }

    public mutating func field(_ key: String, _ value: String) {
        self.key(key)
        JSONBytesEncoder.appendString(value, to: &bytes)
    }

    public mutating func field(_ key: String, _ value: Int) {
        self.key(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A field of string values under string keys, in the dictionary's key order sorted (a stable body).
    public mutating func field(_ key: String, _ value: [String: String]) {
        object(key) { object in
            for (key, value) in value.sorted(by: { $0.key < $1.key }) { object.field(key, value) }
        }
    }

    private mutating func key(_ key: String) {
        if hasField { bytes.append(UInt8(ascii: ",")) }
        hasField = true
        JSONBytesEncoder.appendString(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }
}
