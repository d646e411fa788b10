/// Checks UTF-8 as it arrives, a fragment at a time, and fails at the first byte that cannot be part of a
/// well-formed sequence (RFC 3629): overlong forms, surrogates and code points past U+10FFFF included. A WebSocket
/// closes with 1007 as soon as a text message stops being UTF-8, not when it ends (RFC 6455 §8.1).
struct UTF8Validator: Sendable, Equatable {
    /// Continuation bytes still expected for the current sequence.
    private var needed = 0
    /// The range the next continuation byte must fall in (narrower after E0, ED, F0, F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// Whether the bytes so far end on a whole character.
    var isComplete: Bool { needed == 0 }

    /// Feeds bytes; false at the first one that breaks UTF-8 (the validator is then spent).
    mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            // Runs of ASCII, the common case, eight bytes at a time.
            if needed == 0 {
                while index + 8 <= count, bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { index += 8 }
                guard index < count else { break }
            }
            guard feed(bytes[index]) else { return false }
            index += 1
        }
        return true
    }

    /// Feeds one byte; false when it breaks UTF-8.
    mutating func feed(_ byte: UInt8) -> Bool {
        if needed == 0 {
            switch byte {
            case 0x00...0x7F: return true
            case 0xC2...0xDF: needed = 1
            case 0xE0: needed = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: needed = 2
            case 0xED: needed = 2; upper = 0x9F
            case 0xF0: needed = 3; lower = 0x90
            case 0xF1...0xF3: needed = 3
            case 0xF4: needed = 3; upper = 0x8F
            default: return false
            }
            return true
        }
        guard byte >= lower, byte <= upper else { return false }
        lower = 0x80
        upper = 0xBF
        needed -= 1
        return true
    }
}
