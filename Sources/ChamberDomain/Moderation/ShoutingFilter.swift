/// Tones down shouting and repetition, for chambers that ask for it (off by default: it rewrites a member's words).
/// A message mostly in capitals (at least `minLetters` letters, `capsRatio` of them upper case) is lowered to
/// sentence case, and a character repeated more than `maxRepeat` times in a row ("!!!!!!!!", "sooooooo") is cut to
/// `maxRepeat`. Numbers, links, addresses, mentions and code (``ProtectedText``) are left exactly as written. Masks;
/// never refuses.
public struct ShoutingFilter: MessageFilter {
    public let name = "caps_repetition"
    public let minLetters: Int
    public let capsRatio: Double
    public let maxRepeat: Int

    public init(minLetters: Int = 12, capsRatio: Double = 0.7, maxRepeat: Int = 4) {
        self.minLetters = minLetters
        self.capsRatio = capsRatio
        self.maxRepeat = max(maxRepeat, 1)
    }

    public func evaluate(_ text: String, context: ModerationContext) -> ModerationVerdict {
        let (shouting, repeats) = scan(text)
        guard shouting || repeats else { return .allow }
        let protected = ProtectedText(text)
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var sentenceStart = true
        var previous: Character?
        var run = 0
        var index = text.startIndex
        for span in protected.spans + [text.endIndex..<text.endIndex] {
            for character in text[index..<span.lowerBound] {
                run = character == previous ? run + 1 : 1
                previous = character
                if repeats, run > maxRepeat { continue }
                if shouting, character.isLetter {
                    result += sentenceStart ? character.uppercased() : character.lowercased()
                    sentenceStart = false
                } else {
                    result.append(character)
                    if character == "." || character == "!" || character == "?" { sentenceStart = true }
                }
            }
            result += text[span]
            if !span.isEmpty {
                sentenceStart = false
                previous = nil
                run = 0
            }
            index = span.upperBound
        }
        return result == text ? .allow : .mask(result)
    }

    /// One pass deciding whether there is anything to do: over bytes for ASCII text, over scalars otherwise. Digits
    /// never count as a repetition (they are never cut).
    private func scan(_ text: String) -> (shouting: Bool, repeats: Bool) {
        var letters = 0, upper = 0, run = 0
        var repeats = false
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var previous: UInt8 = 0
            for byte in text.utf8 {
                if byte >= 0x41 && byte <= 0x5a { letters += 1; upper += 1 } else if byte >= 0x61 && byte <= 0x7a { letters += 1 }
                run = byte == previous ? run + 1 : 1
                if run > maxRepeat, !(byte >= 0x30 && byte <= 0x39) { repeats = true }
                previous = byte
            }
        } else {
            var previous: Unicode.Scalar?
            for scalar in text.unicodeScalars {
                if scalar.properties.isAlphabetic {
                    letters += 1
                    if scalar.properties.isUppercase { upper += 1 }
                }
                run = scalar == previous ? run + 1 : 1
                if run > maxRepeat, scalar.properties.numericType == nil { repeats = true }
                previous = scalar
            }
        }
        return (letters >= minLetters && Double(upper) >= capsRatio * Double(letters), repeats)
    }
}
