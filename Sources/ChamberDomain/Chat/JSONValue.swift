import Foundation

/// A JSON value an application attaches to a message as structured data (a card, a poll, a load tester's
/// timestamp). The server stores and forwards it unchanged; it never interprets it.
///
/// Integers keep all 64 bits: a number without a fraction or exponent decodes as ``int(_:)``, so a nanosecond
/// timestamp survives the round trip exactly.
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// How many bytes the value takes as compact JSON, as the wire writes it (slashes unescaped, control characters
    /// as `\n` or `\u00XX`), counted without writing it.
    public var jsonByteCount: Int {
        switch self {
        case .null: 4
        case .bool(let value): value ? 4 : 5
        case .int(let value): String(value).utf8.count
        case .double(let value): value.description.utf8.count - (value.description.hasSuffix(".0") ? 2 : 0)
        case .string(let value): Self.stringByteCount(value)
        case .array(let values): 2 + max(0, values.count - 1) + values.reduce(0) { $0 + $1.jsonByteCount }
        case .object(let values):
            2 + max(0, values.count - 1) + values.reduce(0) { $0 + Self.stringByteCount($1.key) + 1 + $1.value.jsonByteCount }
        }
    }

    private static func stringByteCount(_ text: String) -> Int {
        text.utf8.reduce(2) { count, byte in
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x09, 0x0A, 0x0C, 0x0D: count + 2
            case 0..<0x20: count + 6
            default: count + 1
            }
        }
    }

    /// How deeply arrays and objects nest (a scalar is 0).
    public var depth: Int {
        switch self {
        case .array(let values): 1 + (values.map(\.depth).max() ?? 0)
        case .object(let values): 1 + (values.values.map(\.depth).max() ?? 0)
        default: 0
        }
    }
}
