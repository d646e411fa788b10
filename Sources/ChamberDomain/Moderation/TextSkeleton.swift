import Foundation

/// A text reduced to what a word filter compares, so the usual ways of slipping a word past a list fail: case,
/// accents and full-width forms are folded; look-alike digits and symbols read as the letters they imitate
/// (`sc4m`, `$cam`, `sc@m`); repeated letters count once (`scaaam`); invisible characters are dropped
/// (`sc\u{200B}am`). Letters spaced out one by one (`s c a m`, `s.c.a.m`) stay one-letter words here; the
/// matcher reads a row of them as the word they spell.
///
/// Each word keeps the range of the original text it came from, so a match can be masked in place. Matching stays
/// whole-word: `scampi` does not contain `scam`.
struct TextSkeleton {
    struct Word {
        /// Where the word is in the original text.
        let range: Range<String.Index>
        /// The word as compared.
        let form: String
        /// The word without the look-alike symbols at its end, and at both ends (`scam!` also reads as `scam`); empty
        /// for most words.
        let alternatives: [String]
        /// A single letter, possibly one of a word spelled out.
        var isLetter: Bool { form.unicodeScalars.count == 1 }

        func reads(as other: String) -> Bool { form == other || alternatives.contains(other) }
    }

    let words: [Word]

    init(_ text: String) {
        // Unicode scalars rather than characters: grapheme breaking is most of the cost of walking a string, and
        // the marks it would group are dropped here anyway (accents fold away, joiners are invisible).
        // Every run's letters in one buffer (a run keeps its offset): one allocation per text, not per word.
        var letters: [Unicode.Scalar] = []
        letters.reserveCapacity(text.utf8.count)
        var runs: [Run] = []
        var current: Run?
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let next = scalars.index(after: index)
            if let (letter, symbol) = Self.letter(scalar) {
                if current == nil { current = Run(start: index, end: next, first: letters.count) }
                current!.append(symbol: symbol)
                letters.append(letter)
                current!.end = next
            } else if Self.ignorable(scalar) {
                current?.end = next
            } else if let run = current {
                runs.append(run)
                current = nil
            }
            index = next
        }
        if let run = current { runs.append(run) }
        words = runs.compactMap { $0.word(in: letters) }
    }

    /// The single form of a list entry's word, as text words are compared with it.
    static func form(of word: String) -> String? {
        TextSkeleton(word).words.first?.form
    }

    // MARK: Reading characters

    /// Scalars that are not there to a reader: zero-width spaces and joiners, the word joiner, the BOM, the soft
    /// hyphen, and combining marks (accents written as a separate mark fold away like precomposed ones).
    private static func ignorable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD: return true
        case 0..<0x300: return false
        default:
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: return true
            default: return false
            }
        }
    }

    /// Digits and symbols commonly written for letters; `l` and `1` read as `i`, as the three are written for each
    /// other (list entries go through the same reading, so `hell` still matches `hell`).
    private static let lookAlikes: [Unicode.Scalar: Unicode.Scalar] = [
        "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
        "@": "a", "$": "s", "!": "i", "|": "i", "€": "e", "+": "t", "l": "i",
    ]

    /// ASCII read through a table (most chat is ASCII): the letter each byte counts as, 0 for a separator.
    private static let asciiLetters: [UInt8] = (0..<128).map { byte -> UInt8 in
        let scalar = Unicode.Scalar(UInt8(byte))
        let lowered = byte >= 65 && byte <= 90 ? Unicode.Scalar(UInt8(byte + 32)) : scalar
        if let lookAlike = lookAlikes[lowered] { return UInt8(lookAlike.value) }
        return scalar.properties.isAlphabetic || (byte >= 48 && byte <= 57) ? UInt8(lowered.value) : 0
    }

    /// The letter a scalar counts as and whether it is a symbol standing for one; nil when it separates words.
    private static func letter(_ scalar: Unicode.Scalar) -> (Unicode.Scalar, symbol: Bool)? {
        if scalar.isASCII {
            let letter = asciiLetters[Int(scalar.value)]
            guard letter != 0 else { return nil }
            let byte = UInt8(scalar.value)
            let alphanumeric = (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
            return (Unicode.Scalar(letter), !alphanumeric)
        }
        if let lookAlike = lookAlikes[scalar] { return (lookAlike, true) }
        guard scalar.properties.isAlphabetic || scalar.properties.numericType != nil else { return nil }
        let folded = String(scalar).folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        guard let first = folded.unicodeScalars.first else { return nil }
        return (lookAlikes[first] ?? first, false)
    }

    // MARK: Runs of word characters

    private struct Run {
        let start: String.Index
        var end: String.Index
        /// Where the run's letters start in the text's letter buffer, and how many there are.
        let first: Int
        var count = 0
        /// Look-alike symbols before the first real letter or digit, and after the last.
        var leadingSymbols = 0
        var trailingSymbols = 0

        init(start: String.Index, end: String.Index, first: Int) {
            self.start = start
            self.end = end
            self.first = first
        }

        /// Counts one more letter (a look-alike symbol or not).
        mutating func append(symbol: Bool) {
            if symbol {
                if leadingSymbols == count { leadingSymbols += 1 }
                trailingSymbols += 1
            } else {
                trailingSymbols = 0
            }
            count += 1
        }

        /// The letters from `lower` to `upper`, repeated letters collapsed.
        func form(_ lower: Int, _ upper: Int, in letters: [Unicode.Scalar]) -> String {
            var form = String.UnicodeScalarView()
            var previous: Unicode.Scalar?
            for letter in letters[(first + lower)..<(first + upper)] where letter != previous {
                form.append(letter)
                previous = letter
            }
            return String(form)
        }

        /// `$c@m!` reads as `scami`, and also as `scam` (a symbol at the end is more often punctuation) and `cam`.
        func word(in letters: [Unicode.Scalar]) -> Word? {
            guard count > 0 else { return nil }
            let full = form(0, count, in: letters)
            guard leadingSymbols > 0 || trailingSymbols > 0, leadingSymbols < count else {
                return Word(range: start..<end, form: full, alternatives: [])
            }
            var alternatives: [String] = []
            for other in [form(0, count - trailingSymbols, in: letters), form(leadingSymbols, count - trailingSymbols, in: letters)]
            where !other.isEmpty && other != full && !alternatives.contains(other) {
                alternatives.append(other)
            }
            return Word(range: start..<end, form: full, alternatives: alternatives)
        }
    }
}
