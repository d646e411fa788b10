import ChamberDomain
import Foundation

/// A JSON object read field by field, naming the field at fault in every refusal.
struct StrictObject {
    let fields: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, at path: String) throws(ChamberError) {
        guard case .object(let fields) = value else {
            throw ChamberError(.validationFailed, "\(path.isEmpty ? "body" : path) must be an object", field: path.isEmpty ? nil : path)
        }
        self.fields = fields
        self.path = path
    }

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func allow(_ keys: Set<String>) throws(ChamberError) {
        if let unknown = fields.keys.sorted().first(where: { !keys.contains($0) }) {
            throw ChamberError(.validationFailed, "unknown field \(field(unknown))", field: field(unknown))
        }
    }

    func string(_ key: String) throws(ChamberError) -> String {
        guard let value = try optionalString(key) else { throw ChamberError(.validationFailed, "\(field(key)) is required", field: field(key)) }
        return value
    }

    func optionalString(_ key: String) throws(ChamberError) -> String? {
        switch fields[key] {
        case nil, .null: return nil
        case .string(let value): return value
        default: throw ChamberError(.validationFailed, "\(field(key)) must be a string", field: field(key))
        }
    }

    func object(_ key: String) throws(ChamberError) -> StrictObject? {
        switch fields[key] {
        case nil, .null: return nil
        case let value?: return try StrictObject(value, at: field(key))
        }
    }

    func optionalInt(_ key: String) throws(ChamberError) -> Int? {
        switch fields[key] {
        case nil, .null: return nil
        case .int(let value) where value >= Int64(Int32.min) && value <= Int64(Int32.max): return Int(value)
        default: throw ChamberError(.validationFailed, "\(field(key)) must be an integer", field: field(key))
        }
    }

    /// An amount of money in minor units (cents): an integer, never a decimal fraction.
    func optionalMinorUnits(_ key: String) throws(ChamberError) -> Int64? {
        switch fields[key] {
        case nil, .null: return nil
        case .int(let value): return value
        default: throw ChamberError(.validationFailed, "\(field(key)) must be an integer number of minor units (cents)", field: field(key))
        }
    }

    func optionalBool(_ key: String) throws(ChamberError) -> Bool? {
        switch fields[key] {
        case nil, .null: return nil
        case .bool(let value): return value
        default: throw ChamberError(.validationFailed, "\(field(key)) must be true or false", field: field(key))
        }
    }

    /// An ISO 8601 instant (`2026-12-04T18:00:00Z`, a fraction and an offset allowed).
    func optionalDate(_ key: String) throws(ChamberError) -> Date? {
        guard let text = try optionalString(key) else { return nil }
        guard
            let date = (try? Date(text, strategy: .iso8601)) ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        else { throw ChamberError(.validationFailed, "\(field(key)) must be an ISO 8601 instant", field: field(key)) }
        return date
    }

    func optionalStrings(_ key: String) throws(ChamberError) -> [String]? {
        switch fields[key] {
        case nil, .null: return nil
        case .array(let items):
            return try items.enumerated().map { index, item throws(ChamberError) in
                guard case .string(let text) = item else {
                    throw ChamberError(.validationFailed, "\(field(key))[\(index)] must be a string", field: "\(field(key))[\(index)]")
                }
                return text
            }
        default: throw ChamberError(.validationFailed, "\(field(key)) must be an array of strings", field: field(key))
        }
    }

    func optionalObjects(_ key: String) throws(ChamberError) -> [StrictObject]? {
        switch fields[key] {
        case nil, .null: return nil
        case .array(let items):
            return try items.enumerated().map { index, item throws(ChamberError) in try StrictObject(item, at: "\(field(key))[\(index)]") }
        default: throw ChamberError(.validationFailed, "\(field(key)) must be an array of objects", field: field(key))
        }
    }

    /// Of `keys`, those sent as `null`: optional fields a PATCH empties.
    func nulls(among keys: Set<String>) -> Set<String> {
        Set(keys.filter { if case .null? = fields[$0] { true } else { false } })
    }
}
