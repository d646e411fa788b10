/// JSON parsed in one pass over its bytes (RFC 8259, strict): a client frame's, decoded into the frame's request type
/// by the hub's `WireJSONDecoder`, and a stored column's free-form JSON (a message's `data`), read into a `JSONValue`
/// by the storage adapters.
///
/// Foundation's `JSONDecoder` took about 8 µs for a `send` frame here; frames are small objects of a few keys, so a
/// parser that keeps objects as key-value lists and numbers as their text, and a `Decoder` over the result, do the
/// same work in a fraction of that. Nesting is bounded (``maxDepth``), so a frame of `[[[[…` cannot exhaust the stack.
/// The node's configuration file is read with it too, for the keys in the order written and the offset of a mistake.
public indirect enum WireJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number as written: converted when a field asks for an integer (all 64 bits kept) or a double.
    case number(String)
    case string(String)
    case array([WireJSON])
    /// Keys in the order written; a repeated key's last value wins.
    case object([(key: String, value: WireJSON)])

    public static func == (lhs: WireJSON, rhs: WireJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// The deepest nesting a frame may have (the protocol's own frames nest three levels; `data` at most eight more).
    public static let maxDepth = 32

    /// Where a document stops being JSON.
    public struct SyntaxError: Error, Equatable {
        /// The byte offset where parsing stopped.
        public let offset: Int
    }

    /// A number's text as an integer: written as one (`42`), or as a whole number in another form (`4.2e1`) within
    /// range; nil otherwise.
    public static func integer<I: FixedWidthInteger>(_ text: String, as type: I.Type) -> I? {
        if let exact = I(text) { return exact }
        guard let number = Double(text), number.rounded() == number else { return nil }
        return I(exactly: number)
    }

    /// Parses a whole document: one value, with only whitespace around it.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(SyntaxError) -> WireJSON {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw SyntaxError(offset: parser.index) }
        return value
    }
}

/// Recursive descent over the bytes; every failure is a ``WireJSON/SyntaxError`` at the offset it was found.
private struct Parser {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    private func fail() -> WireJSON.SyntaxError { WireJSON.SyntaxError(offset: index) }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws(WireJSON.SyntaxError) -> WireJSON {
        guard index < bytes.count else { throw fail() }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return .number(try number())
        }
    }

    private mutating func literal(_ word: StaticString) throws(WireJSON.SyntaxError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw fail() }
        index += count
    }

    private mutating func object(depth: Int) throws(WireJSON.SyntaxError) -> WireJSON {
        guard depth <= WireJSON.maxDepth else { throw fail() }
        index += 1  // {
        var members: [(key: String, value: WireJSON)] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail() }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail() }
            index += 1
            skipWhitespace()
            members.append((key, try value(depth: depth)))
            skipWhitespace()
            guard index < bytes.count else { throw fail() }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw fail()
            }
        }
    }

    private mutating func array(depth: Int) throws(WireJSON.SyntaxError) -> WireJSON {
        guard depth <= WireJSON.maxDepth else { throw fail() }
        index += 1  // [
        var elements: [WireJSON] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw fail() }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            default: throw fail()
            }
        }
    }

    /// A string from its opening quote; escapes decoded, raw control characters refused.
    private mutating func string() throws(WireJSON.SyntaxError) -> String {
        index += 1  // "
        let start = index
        // The common case: no escape, one copy.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw fail() }
            index += 1
        }
        var decoded = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw fail() }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"): decoded.append(contentsOf: try unicodeEscape())
                default: throw fail()
                }
            default:
                guard byte >= 0x20 else { throw fail() }
                decoded.append(byte)
                index += 1
            }
        }
        throw fail()
    }

    /// The character of `\uXXXX` (after the `u`), a surrogate pair joined; a lone surrogate is refused.
    private mutating func unicodeEscape() throws(WireJSON.SyntaxError) -> [UInt8] {
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { throw fail() }
            index += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail() }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw fail()
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw fail() }
        return Array(String(Character(unicode)).utf8)
    }

    private mutating func hex4() throws(WireJSON.SyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail()
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// A number in JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as written.
    private mutating func number() throws(WireJSON.SyntaxError) -> String {
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw fail() }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail() }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail() }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
