import Foundation

/// A parsed JSON document that keeps booleans, numbers and nulls apart (for schema checks and assertions).
enum JSON: Equatable, Sendable, Decodable, CustomStringConvertible {
    case object([String: JSON])
    case array([JSON])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSON].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    static func parse(_ data: Data) throws -> JSON { try JSONDecoder().decode(JSON.self, from: data) }

    /// Converts what Yams or JSONSerialization produced.
    init(any value: Any?) {
        switch value {
        case nil, is NSNull: self = .null
        case let bool as Bool: self = .bool(bool)
        case let int as Int: self = .number(Double(int))
        case let double as Double: self = .number(double)
        case let string as String: self = .string(string)
        case let array as [Any]: self = .array(array.map { JSON(any: $0) })
        case let dict as [String: Any]: self = .object(dict.mapValues { JSON(any: $0) })
        case let dict as [AnyHashable: Any]:
            self = .object(Dictionary(uniqueKeysWithValues: dict.map { ("\($0.key)", JSON(any: $0.value)) }))
        default: self = .string("\(value!)")
        }
    }

    subscript(key: String) -> JSON {
        if case .object(let object) = self { return object[key] ?? .null }
        return .null
    }

    subscript(index: Int) -> JSON {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return .null
    }

    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var int: Int? { if case .number(let n) = self { return Int(n) } else { return nil } }
    var double: Double? { if case .number(let n) = self { return n } else { return nil } }
    var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    var array: [JSON] { if case .array(let a) = self { return a } else { return [] } }
    var object: [String: JSON]? { if case .object(let o) = self { return o } else { return nil } }
    var isNull: Bool { self == .null }
    /// An RFC 3339 instant, with or without fractional seconds.
    var date: Date? {
        guard let text = string else { return nil }
        return (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }

    var description: String {
        switch self {
        case .object(let o): "{" + o.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        case .array(let a): "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .string(let s): "\"\(s)\""
        case .number(let n): n == n.rounded() ? String(Int(n)) : String(n)
        case .bool(let b): String(b)
        case .null: "null"
        }
    }
}
