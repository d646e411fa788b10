import Foundation

/// The parts of a message no filter may rewrite: numbers, links, e-mail addresses, mentions and code.
///
/// A filter that masks or tones down text works around these spans; the pipeline checks every mask against them
/// and holds the message for review when a mask would have changed one ("$1000000" must never be stored as
/// "$10000", nor "…/aaaaaaa.pdf" as "…/aaaa.pdf").
public struct ProtectedText: Sendable, Equatable {
    /// The protected spans, in order, as ranges of the text they were found in.
    public let spans: [Range<String.Index>]
    /// The protected text itself, span by span.
    public let tokens: [Substring]

    public init(_ text: String) {
        var spans: [Range<String.Index>] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            // Code: `inline` and ```blocks``` up to their closing fence (an unclosed fence protects the rest).
            if character == "`" {
                let fence = text[index...].prefix { $0 == "`" }
                let afterFence = fence.endIndex
                let close = text[afterFence...].range(of: String(fence))
                let end = close?.upperBound ?? text.endIndex
                spans.append(index..<end)
                index = end
                continue
            }
            // Mentions written <@USER_ID>.
            if character == "<", text[index...].hasPrefix("<@"), let close = text[index...].firstIndex(of: ">") {
                let end = text.index(after: close)
                spans.append(index..<end)
                index = end
                continue
            }
            if character.isWhitespace {
                index = text.index(after: index)
                continue
            }
            // A whitespace-delimited word: protected whole when it is a link, an address, a mention or has a digit.
            let end = text[index...].firstIndex(where: \.isWhitespace) ?? text.endIndex
            let word = text[index..<end]
            if Self.isProtected(word) { spans.append(index..<end) }
            index = end
        }
        self.spans = spans
        self.tokens = spans.map { text[$0] }
    }

    static func isProtected(_ word: Substring) -> Bool {
        if word.first == "@", word.count > 1 { return true }  // @handle
        if word.contains("://") || word.lowercased().hasPrefix("www.") { return true }
        if let at = word.firstIndex(of: "@"), at != word.startIndex, word[at...].contains(".") { return true }  // an address
        if LinkPolicyFilter.hosts(in: String(word)).isEmpty == false { return true }  // example.com
        // Any word with a digit: an amount ($1,000,000), a phone number, a time, an invoice or order number (INV-2026-0007).
        return word.contains(where: \.isNumber)
    }
}
