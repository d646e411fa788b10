import Foundation
import Testing

@testable import ChamberDomain

/// The domain's own trimming agrees with Foundation's on every kind of white space.
@Suite("Trimming")
struct TrimmingTests {
    static let samples = [
        "", " ", "plain", "  both ends  ", "\n\tnew lines\r\n", "\u{00A0}no-break\u{00A0}", "\u{3000}ideographic\u{3000}",
        "\u{2028}separators\u{2029}", "\u{0085}next line\u{0085}", "\u{200B}zero width is not white space\u{200B}",
        " e\u{301} accent ", "inner  space stays", "\u{2003}\u{2009}mixed\u{202F}\u{205F}", "🎉 party 🎉 ", "\u{0B}\u{0C}vt ff",
    ]

    @Test("as .whitespacesAndNewlines", arguments: samples)
    func allWhiteSpace(_ text: String) {
        #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("as .whitespaces (line breaks kept)", arguments: samples)
    func lineBreaksKept(_ text: String) {
        #expect(text.trimmingWhitespace(keepingLineBreaks: true) == text.trimmingCharacters(in: .whitespaces))
    }
}
