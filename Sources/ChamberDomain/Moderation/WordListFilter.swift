import Foundation

/// Matches whole words (and multi-word phrases) from a list, read through a ``TextSkeleton``: case, accents,
/// look-alike characters, repeated letters, invisible characters and spaced-out letters do not hide a listed word.
/// Masks each match with asterisks, or holds or rejects the message, as configured.
public struct WordListFilter: MessageFilter {
    public enum Action: String, Sendable { case mask, hold, reject }

    public let name: String
    public let action: Action
    private let phrases: [[String]]

    /// - Parameter words: one word or phrase per entry; blank entries and `#` comments are ignored.
    public init(name: String = "word_list", words: [String], action: Action) {
        self.name = name
        self.action = action
        self.phrases = words.compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            // Word by word, so a phrase's own short words are not read as one spelled-out word.
            let forms = trimmed.split(whereSeparator: \.isWhitespace).compactMap { TextSkeleton.form(of: String($0)) }
            return forms.isEmpty ? nil : forms
        }
    }

    /// Reads a word list file: one entry per line.
    public init(name: String = "word_list", contentsOf text: String, action: Action) {
        self.init(name: name, words: text.components(separatedBy: .newlines), action: action)
    }

    public func evaluate(_ text: String, context: ModerationContext) -> ModerationVerdict {
        guard !phrases.isEmpty else { return .allow }
        let words = TextSkeleton(text).words
        var matches: [Range<String.Index>] = []
        var position = 0
        while position < words.count {
            var longest = 0
            for phrase in phrases {
                if let length = Self.match(phrase, in: words, at: position), length > longest { longest = length }
            }
            if longest > 0 {
                matches.append(words[position].range.lowerBound..<words[position + longest - 1].range.upperBound)
                position += longest
            } else {
                position += 1
            }
        }
        guard !matches.isEmpty else { return .allow }
        switch action {
        case .mask:
            var masked = text
            for range in matches.reversed() {
                masked.replaceSubrange(range, with: String(text[range].map { $0.isWhitespace ? $0 : "*" }))
            }
            return .mask(masked)
        case .hold:
            return .hold(reason: "contains a listed word or phrase")
        case .reject:
            return .reject(code: .messageRejected, reason: "this message contains a word or phrase the chamber does not allow")
        }
    }

    /// How many words from `start` read as `phrase`, or nil.
    static func match(_ phrase: [String], in words: [TextSkeleton.Word], at start: Int) -> Int? {
        var index = start
        for form in phrase {
            guard index < words.count, let used = spelling(form, in: words, at: index) else { return nil }
            index += used
        }
        return index - start
    }

    /// How many words from `start` read as `form`: one word, or the row of three or more one-letter words from
    /// `start` that spells it (`s c a m`), repeated letters counting once.
    static func spelling(_ form: String, in words: [TextSkeleton.Word], at start: Int) -> Int? {
        if words[start].reads(as: form) { return 1 }
        guard words[start].isLetter, form.count >= 2 else { return nil }
        var spelled = ""
        var index = start
        while index < words.count, words[index].isLetter {
            let letter = words[index].form
            if !spelled.hasSuffix(letter) { spelled += letter }
            guard form.hasPrefix(spelled) else { return nil }
            index += 1
        }
        // The whole row, to its end: `s c a m p i` spells `scampi`, not `scam`.
        return spelled == form && index - start >= 3 ? index - start : nil
    }
}
