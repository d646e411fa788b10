import ChamberJSON

/// A `Decoder` over a parsed ``WireJSON`` value: request payloads keep their `Codable` conformance (with keys as the
/// wire spells them), and a failure is the usual `DecodingError` with the path to the field.
struct WireJSONDecoder: Decoder {
    let value: WireJSON
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ value: WireJSON, codingPath: [any CodingKey] = []) {
        self.value = value
        self.codingPath = codingPath
    }

    /// Decodes `type` from a whole frame's bytes: a ``WireJSON/SyntaxError`` when they are not JSON.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) throws -> T {
        try T(from: WireJSONDecoder(try WireJSON.parse(bytes)))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: Any].self, value, codingPath) }
        return KeyedDecodingContainer(KeyedContainer<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch([Any].self, value, codingPath) }
        return UnkeyedContainer(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueContainer(value: value, codingPath: codingPath)
    }
}

/// A key of an array position, for error paths (`attachments[0]`).
private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private func mismatch(_ type: Any.Type, _ value: WireJSON, _ path: [any CodingKey]) -> DecodingError {
    if case .null = value {
        return .valueNotFound(type, .init(codingPath: path, debugDescription: "expected \(type), found null"))
    }
    return .typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(type)"))
}

/// Converts a value to what a field asks for: a primitive from its JSON kind (or the mismatch at `path`), anything
/// else through its own `init(from:)`.
/// The path is built only when needed (an error, or a nested value): most fields decode without one.
private func scalar<T: Decodable>(_ type: T.Type, _ value: WireJSON, _ path: @autoclosure () -> [any CodingKey]) throws -> T {
    if type is String.Type {
        guard case .string(let text) = value else { throw mismatch(type, value, path()) }
        return text as! T
    }
    if type is Bool.Type {
        guard case .bool(let flag) = value else { throw mismatch(type, value, path()) }
        return flag as! T
    }
    if type is Double.Type || type is Float.Type {
        guard case .number(let text) = value, let number = Double(text) else { throw mismatch(type, value, path()) }
        // 1e999 is valid JSON but no number here: refused, as Foundation's decoder refuses it.
        guard number.isFinite, type is Double.Type || Float(number).isFinite else {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "\(text) does not fit \(type)"))
        }
        return (type is Double.Type ? number as Any : Float(number) as Any) as! T
    }
    if let integerType = type as? any FixedWidthInteger.Type {
        guard case .number(let text) = value else { throw mismatch(type, value, path()) }
        guard let number = WireJSON.integer(text, as: integerType) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "\(text) is not a whole number that fits \(type)"))
        }
        return number as! T
    }
    return try T(from: WireJSONDecoder(value, codingPath: path()))
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [(key: String, value: WireJSON)]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { members.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool { members.contains { $0.key == key.stringValue } }

    private func value(_ key: Key) throws -> WireJSON {
        guard let member = members.last(where: { $0.key == key.stringValue }) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for \(key.stringValue)"))
        }
        return member.value
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try value(key) { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try scalar(type, try value(key), codingPath + [key])
    }

    // The types frames use most, decoded without a dynamic cast; an optional field looked up once.

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        guard case .string(let text) = try value(key) else { throw mismatch(type, try value(key), codingPath + [key]) }
        return text
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard let member = members.last(where: { $0.key == key.stringValue }) else { return nil }
        switch member.value {
        case .null: return nil
        case .string(let text): return text
        default: throw mismatch(type, member.value, codingPath + [key])
        }
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let member = members.last(where: { $0.key == key.stringValue }) else { return nil }
        if case .null = member.value { return nil }
        return try scalar(type, member.value, codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try WireJSONDecoder(try value(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try WireJSONDecoder(try value(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        WireJSONDecoder(.object(members), codingPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        WireJSONDecoder(try value(key), codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [WireJSON]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(elements: [WireJSON], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    /// The next element, and a function making its path (only errors and nested values need one).
    private mutating func next(_ type: Any.Type) throws -> (WireJSON, () -> [any CodingKey]) {
        let index = currentIndex
        let codingPath = self.codingPath
        let path = { codingPath + [IndexKey(index)] }
        guard !isAtEnd else { throw DecodingError.valueNotFound(type, .init(codingPath: path(), debugDescription: "the array has no more elements")) }
        currentIndex += 1
        return (elements[index], path)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, case .null = elements[currentIndex] else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let index = currentIndex
        let (value, _) = try next(type)
        return try scalar(type, value, codingPath + [IndexKey(index)])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (value, path) = try next([String: Any].self)
        return try WireJSONDecoder(value, codingPath: path()).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (value, path) = try next([Any].self)
        return try WireJSONDecoder(value, codingPath: path()).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (value, path) = try next(Any.self)
        return WireJSONDecoder(value, codingPath: path())
    }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let value: WireJSON
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try scalar(type, value, codingPath)
    }
}
