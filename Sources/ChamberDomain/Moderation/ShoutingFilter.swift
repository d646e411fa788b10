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
        var letters = 0, upper = 0, run = 0
        var previous: Character?
        var repeats = false
        for character in text {
            if character.isLetter {
                letters += 1
                if character.isUppercase { upper += 1 }
            }
            run = character == previous ? run + 1 : 1
            if run > maxRepeat { repeats = true }
            previous = character
        }
        let shouting = letters >= minLetters && Double(upper) >= capsRatio * Double(letters)
        guard shouting || repeats else { return .allow }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var sentenceStart = true
        previous = nil
        run = 0
        for character in text {
            run = character == previous ? run + 1 : 1
            previous = character
            if run > maxRepeat { continue }
            if shouting, character.isLetter {
                result += sentenceStart ? character.uppercased() : character.lowercased()
                sentenceStart = false
            } else {
                result.append(character)
                if ".!?".contains(character) { sentenceStart = true }
            }
        }
        return result == text ? .allow : .mask(result)
    }
}
