import ChamberDomain
import ChamberJSON
import Foundation

/// A value bound into or read out of a statement. The small common ground of SQLite and PostgreSQL.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case bool(Bool)

    /// Instants are stored as integer milliseconds since 1970 in both dialects.
    public static func date(_ date: Date) -> SQLValue { .int(date.millisecondsSince1970) }
    public static func date(_ date: Date?) -> SQLValue { date.map { .date($0) } ?? .null }
    public static func text(_ string: String?) -> SQLValue { string.map { .text($0) } ?? .null }
    public static func id<E>(_ id: Identifier<E>) -> SQLValue { .text(id.rawValue) }
    public static func id<E>(_ id: Identifier<E>?) -> SQLValue { id.map { .text($0.rawValue) } ?? .null }

    /// A Codable value stored as JSON text.
    /// A value stored as JSON text: in one pass, or by Foundation's encoder for what that one does not write. Both
    /// read back alike (keys as the type names them, instants as seconds since 2001).
    public static func json(_ value: some Encodable) throws -> SQLValue {
        try encoded(value)
    }

    private static func encoded(_ value: some Encodable) throws -> SQLValue {
        if let bytes = try? SQLRow.oneShot.encode(value) { return .text(String(decoding: bytes, as: UTF8.self)) }
        return .text(String(decoding: try SQLRow.jsonEncoder.encode(value), as: UTF8.self))
    }

    /// An array stored as JSON text; an empty one (most messages' mentions and attachments) without the encoder.
    public static func json<Element: Encodable>(_ value: [Element]) throws -> SQLValue {
        value.isEmpty ? .text("[]") : try encoded(value)
    }

    /// A dictionary stored as JSON text; an empty one (a new message's reactions) without the encoder.
    public static func json<Value: Encodable>(_ value: [String: Value]) throws -> SQLValue {
        value.isEmpty ? .text("{}") : try encoded(value)
    }
}

/// One result row, by column name.
public struct SQLRow: Sendable {
    public let values: [String: SQLValue]

    public init(_ values: [String: SQLValue]) { self.values = values }

    static let oneShot = JSONBytesEncoder()

    static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    func value(_ column: String) throws -> SQLValue {
        guard let value = values[column] else { throw StorageError.missingColumn(column) }
        return value
    }

    public func string(_ column: String) throws -> String {
        guard case .text(let text) = try value(column) else { throw StorageError.typeMismatch(column, "text") }
        return text
    }

    public func optionalString(_ column: String) throws -> String? {
        switch try value(column) {
        case .null: return nil
        case .text(let text): return text
        default: throw StorageError.typeMismatch(column, "text")
        }
    }

    public func int(_ column: String) throws -> Int64 {
        switch try value(column) {
        case .int(let value): return value
        case .double(let value): return Int64(value)
        case .text(let text) where Int64(text) != nil: return Int64(text)!
        default: throw StorageError.typeMismatch(column, "integer")
        }
    }

    public func optionalInt(_ column: String) throws -> Int64? {
        if case .null = try value(column) { return nil }
        return try int(column)
    }

    /// Booleans are integers in SQLite and booleans in PostgreSQL.
    public func bool(_ column: String) throws -> Bool {
        switch try value(column) {
        case .bool(let value): return value
        case .int(let value): return value != 0
        default: throw StorageError.typeMismatch(column, "boolean")
        }
    }

    public func date(_ column: String) throws -> Date {
        Date(millisecondsSince1970: try int(column))
    }

    public func optionalDate(_ column: String) throws -> Date? {
        try optionalInt(column).map { Date(millisecondsSince1970: $0) }
    }

    public func id<E>(_ column: String, as: Identifier<E>.Type = Identifier<E>.self) throws -> Identifier<E> {
        Identifier<E>(try string(column))
    }

    public func optionalID<E>(_ column: String, as: Identifier<E>.Type = Identifier<E>.self) throws -> Identifier<E>? {
        try optionalString(column).map(Identifier<E>.init)
    }

    /// A column holding one of `T`'s raw values (a role, a status).
    public func value<T: RawRepresentable>(_ column: String, as type: T.Type) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: try string(column)) else { throw StorageError.typeMismatch(column, "\(T.self)") }
        return value
    }

    public func json<T: Decodable>(_ column: String, as type: T.Type) throws -> T {
        try Self.decode(type, from: try string(column))
    }

    public func optionalJSON<T: Decodable>(_ column: String, as type: T.Type) throws -> T? {
        try optionalString(column).map { try Self.decode(type, from: $0) }
    }

    /// A JSON column's value; free-form JSON (a message's `data`) in one pass, without Foundation's decoder.
    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        if type == JSONValue.self, let value = JSONValue(storedJSON: text) { return value as! T }
        return try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

/// Failures of the storage layer itself (as opposed to domain refusals, which are ``ChamberError``s).
public enum StorageError: Error, CustomStringConvertible, Equatable {
    case missingColumn(String)
    case typeMismatch(String, String)
    /// A unique constraint refused the write.
    case uniqueViolation(String)
    /// A chamber-scoped statement that does not name its chamber: a programming error caught before it runs.
    case unscopedQuery(String)
    /// The database aborted the transaction to resolve a deadlock or a serialization failure: nothing of it was kept,
    /// and running it again may succeed.
    case transactionConflict(String)
    /// A statement's `?` placeholders and its binds differ in number: a programming error caught before it runs.
    case bindCountMismatch(placeholders: Int, binds: Int)
    case badURL(String)
    case migrationFailed(version: Int, String)
    /// A batch writer's store step answered fewer requests than it was given: a programming error, reported to
    /// each request left without an answer instead of leaving its caller waiting.
    case batchAnswerMissing
    /// A scope made without ``SealedFields`` reached a sealed column: a programming error.
    case noSealedFields

    public var description: String {
        switch self {
        case .missingColumn(let column): "result has no column '\(column)'"
        case .typeMismatch(let column, let expected): "column '\(column)' is not \(expected)"
        case .uniqueViolation(let detail): "unique constraint violated: \(detail)"
        case .unscopedQuery(let sql): "chamber-scoped statement lacks the :chamber filter: \(sql)"
        case .transactionConflict(let detail): "the database aborted the transaction: \(detail)"
        case .bindCountMismatch(let placeholders, let binds): "a statement with \(placeholders) placeholders was given \(binds) values"
        case .badURL(let reason): reason
        case .migrationFailed(let version, let reason): "migration \(version) failed: \(reason)"
        case .batchAnswerMissing: "the batch writer stored a batch without answering every request in it"
        case .noSealedFields: "a chamber scope without sealed fields reached a sealed column"
        }
    }
}
