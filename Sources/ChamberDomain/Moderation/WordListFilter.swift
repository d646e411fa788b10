import Foundation

/// Matches whole words (and multi-word phrases) from a list, case- and diacritic-insensitively.
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
            let tokens = Self.tokens(trimmed).map(\.normalized)
            return tokens.isEmpty ? nil : tokens
        }
    }

    /// Reads a word list file: one entry per line.
    public init(name: String = "word_list", contentsOf text: String, action: Action) {
        self.init(name: name, words: text.components(separatedBy: .newlines), action: action)
    }

    struct Token {
        let range: Range<String.Index>
        let normalized: String
    }

    static func normalize(_ word: Substring) -> String {
        word.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
    }

    static func tokens(_ text: String) -> [Token] {
        var result: [Token] = []
        var start: String.Index?
        var index = text.startIndex
        while index < text.endIndex {
            let isWord = text[index].isLetter || text[index].isNumber
            if isWord, start == nil { start = index }
            if !isWord, let begin = start {
                result.append(Token(range: begin..<index, normalized: normalize(text[begin..<index])))
                start = nil
            }
            index = text.index(after: index)
        }
        if let begin = start { result.append(Token(range: begin..<text.endIndex, normalized: normalize(text[begin...]))) }
        return result
    }

    public func evaluate(_ text: String, context: ModerationContext) -> ModerationVerdict {
        guard !phrases.isEmpty else { return .allow }
        let tokens = Self.tokens(text)
        var matches: [Range<String.Index>] = []
        var position = 0
        while position < tokens.count {
            var matched = 0
            for phrase in phrases where phrase.count <= tokens.count - position && phrase.count > matched {
                if zip(phrase, tokens[position...]).allSatisfy({ $0 == $1.normalized }) { matched = phrase.count }
            }
            if matched > 0 {
                matches.append(tokens[position].range.lowerBound..<tokens[position + matched - 1].range.upperBound)
                position += matched
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
            return .reject(code: "message_rejected", reason: "this message contains a word or phrase the chamber does not allow")
        }
    }
}
