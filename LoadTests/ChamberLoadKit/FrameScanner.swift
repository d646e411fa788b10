/// Reads the few fields the load tester needs out of a server frame without a JSON parser: at tens of thousands
/// of frames a second, a full decode would cost the client more CPU than the server spends sending.
///
/// It relies on what JSON guarantees: a quote inside a string is escaped, so `"key":` only appears as a key.
/// The first occurrence wins, and keys come in no fixed order: ask only for keys that occur once in a frame
/// (`type`, an ack's `id`), or whose nested copies carry the same value (a message event's `channel_id` and `seq`).
public struct FrameScanner {
    public let bytes: UnsafeRawBufferPointer

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// The string value of `"key":"…"` (no escapes expected in the values asked for: types, ids, codes).
    public func string(_ key: StaticString) -> Substring? {
        guard var index = valueStart(key), index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") { index += 1 }
        guard index < bytes.count else { return nil }
        return Substring(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    /// The integer value of `"key":123`.
    public func int(_ key: StaticString) -> Int64? {
        guard var index = valueStart(key) else { return nil }
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
        var value: Int64 = 0
        var digits = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            value = value &* 10 &+ Int64(bytes[index] - UInt8(ascii: "0"))
            index += 1
            digits += 1
        }
        return digits == 0 ? nil : (negative ? -value : value)
    }

    /// The boolean value of `"key":true` or `"key":false`.
    public func bool(_ key: StaticString) -> Bool? {
        guard let index = valueStart(key), index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: return nil
        }
    }

    /// Whether `"key":` appears at all.
    public func has(_ key: StaticString) -> Bool { valueStart(key) != nil }

    /// The index just after `"key":` (and any spaces).
    private func valueStart(_ key: StaticString) -> Int? {
        let keyLength = key.utf8CodeUnitCount
        let needle = key.utf8Start
        let total = keyLength + 3
        guard bytes.count >= total else { return nil }
        var index = 0
        let last = bytes.count - total
        while index <= last {
            if bytes[index] == UInt8(ascii: "\""), bytes[index + keyLength + 1] == UInt8(ascii: "\""),
                bytes[index + keyLength + 2] == UInt8(ascii: ":")
            {
                var match = true
                for offset in 0..<keyLength where bytes[index + 1 + offset] != needle[offset] {
                    match = false
                    break
                }
                if match {
                    var value = index + total
                    while value < bytes.count, bytes[value] == UInt8(ascii: " ") { value += 1 }
                    return value
                }
            }
            index += 1
        }
        return nil
    }
}
