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
        /// The word as compared, then without the look-alike symbols at its end and at both ends (`scam!` reads as
        /// `scam`).
        let forms: [String]
        /// A single letter, possibly one of a word spelled out.
        var isLetter: Bool { forms[0].count == 1 }
    }

    let words: [Word]

    init(_ text: String) {
        var runs: [Run] = []
        var current: Run?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if Self.invisible(character) {
                current?.end = next
            } else if let letter = Self.letter(character) {
                if current == nil { current = Run(start: index, end: next) }
                current!.append(letter, symbol: !(character.isLetter || character.isNumber))
                current!.end = next
            } else if let run = current {
                runs.append(run)
                current = nil
            }
            index = next
        }
        if let run = current { runs.append(run) }
        words = runs.compactMap(\.word)
    }

    /// The single form of a list entry's word, as text words are compared with it.
    static func form(of word: String) -> String? {
        TextSkeleton(word).words.first?.forms.first
    }

    // MARK: Reading characters

    /// Characters that are not there to a reader: zero-width spaces and joiners, the word joiner, the BOM, the soft
    /// hyphen. A joiner attaches to the character before it, so characters are read without them.
    private static func invisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD: return true
        default: return false
        }
    }

    private static func invisible(_ character: Character) -> Bool {
        character.asciiValue == nil && character.unicodeScalars.allSatisfy(invisible)
    }

    /// Digits and symbols commonly written for letters; `l` and `1` read as `i`, as the three are written for each
    /// other (list entries go through the same reading, so `hell` still matches `hell`).
    private static let lookAlikes: [Character: Character] = [
        "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
        "@": "a", "$": "s", "!": "i", "|": "i", "€": "e", "+": "t", "l": "i",
    ]

    /// ASCII read through a table (most chat is ASCII): the letter each byte counts as, 0 for a separator.
    private static let asciiLetters: [UInt8] = (0..<128).map { byte -> UInt8 in
        let character = Character(Unicode.Scalar(UInt8(byte)))
        if let lookAlike = lookAlikes[character] { return lookAlike.asciiValue! }
        if byte >= 65 && byte <= 90 { return lookAlikes[Character(Unicode.Scalar(UInt8(byte + 32)))]?.asciiValue ?? UInt8(byte + 32) }
        return character.isLetter || character.isNumber ? UInt8(byte) : 0
    }

    /// The letter a character counts as, or nil when it separates words.
    private static func letter(_ character: Character) -> Character? {
        if let ascii = character.asciiValue {
            let letter = asciiLetters[Int(ascii)]
            return letter == 0 ? nil : Character(Unicode.Scalar(letter))
        }
        var character = character
        if character.unicodeScalars.contains(where: invisible) {
            var visible = String.UnicodeScalarView()
            visible.append(contentsOf: character.unicodeScalars.filter { !invisible($0) })
            guard let first = String(visible).first else { return nil }
            character = first
        }
        if let lookAlike = lookAlikes[character] { return lookAlike }
        guard character.isLetter || character.isNumber else { return nil }
        let folded = String(character).folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        guard let first = folded.first, folded.count == 1 else { return character }
        return lookAlikes[first] ?? first
    }

    // MARK: Runs of word characters

    private struct Run {
        let start: String.Index
        var end: String.Index
        var letters: [Character] = []
        var isSymbol: [Bool] = []

        init(start: String.Index, end: String.Index) {
            self.start = start
            self.end = end
        }

        mutating func append(_ letter: Character, symbol: Bool) {
            letters.append(letter)
            isSymbol.append(symbol)
        }

        /// Repeated letters collapsed; look-alike symbols at the end, or at both ends, left out if asked.
        func form(trimmingEnd: Bool = false, trimmingStart: Bool = false) -> String {
            var lower = 0
            var upper = letters.count
            if trimmingEnd { while upper > lower, isSymbol[upper - 1] { upper -= 1 } }
            if trimmingStart { while lower < upper, isSymbol[lower] { lower += 1 } }
            var form = ""
            var previous: Character?
            for letter in letters[lower..<upper] where letter != previous {
                form.append(letter)
                previous = letter
            }
            return form
        }

        /// `$c@m!` reads as `scami`, `scam` (a symbol at the end is more often punctuation) and `cam`.
        var word: Word? {
            let full = form()
            guard !full.isEmpty else { return nil }
            var forms = [full]
            for other in [form(trimmingEnd: true), form(trimmingEnd: true, trimmingStart: true)] where !other.isEmpty && !forms.contains(other) {
                forms.append(other)
            }
            return Word(range: start..<end, forms: forms)
        }
    }
}
