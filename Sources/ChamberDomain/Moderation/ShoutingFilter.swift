/// Tones down shouting and repetition: a message mostly in capitals (at least `minLetters` letters, `capsRatio` of
/// them upper case) is lowered to sentence case, and a character repeated more than `maxRepeat` times in a row
/// ("!!!!!!!!", "sooooooo") is cut to `maxRepeat`. Masks; never refuses.
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
        var result = repeats ? collapse(text) : text
        if shouting { result = sentenceCase(result) }
        return result == text ? .allow : .mask(result)
    }

    /// One pass deciding what to do: over bytes for ASCII text, over scalars otherwise.
    private func scan(_ text: String) -> (shouting: Bool, repeats: Bool) {
        var letters = 0, upper = 0, run = 0
        var repeats = false
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var previous: UInt8 = 0
            for byte in text.utf8 {
                if byte >= 0x41 && byte <= 0x5a { letters += 1; upper += 1 } else if byte >= 0x61 && byte <= 0x7a { letters += 1 }
                run = byte == previous ? run + 1 : 1
                if run > maxRepeat { repeats = true }
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
                if run > maxRepeat { repeats = true }
                previous = scalar
            }
        }
        return (letters >= minLetters && Double(upper) >= capsRatio * Double(letters), repeats)
    }

    private func collapse(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var previous: Character?
        var run = 0
        for character in text {
            run = character == previous ? run + 1 : 1
            previous = character
            if run <= maxRepeat { result.append(character) }
        }
        return result
    }

    /// Lower case, with the first letter of each sentence upper case.
    private func sentenceCase(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var sentenceStart = true
        for character in text.lowercased() {
            if sentenceStart, character.isLetter {
                result += character.uppercased()
                sentenceStart = false
            } else {
                result.append(character)
                if character == "." || character == "!" || character == "?" { sentenceStart = true }
            }
        }
        return result
    }
}
