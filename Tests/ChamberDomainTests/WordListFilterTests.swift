import ChamberDomain
import Foundation
import Testing

@Suite("Word list filter")
struct WordListFilterTests {
    static let filter = WordListFilter(words: ["scam", "scammer", "ponzi scheme", "# a comment", ""], action: .mask)
    static let context = ModerationContext(chamberID: .generate(), channelID: .generate(), senderID: .generate(), senderRole: .member, at: Date())

    static func verdict(_ text: String) -> ModerationVerdict {
        filter.evaluate(text, context: context)
    }

    /// Ways people write a listed word to get it past a filter.
    static let evasions = [
        "scam", "SCAM", "Scam", "sCaM", "ščám", "Scäm", "ＳＣＡＭ",  // case, accents, full width
        "sc4m", "$cam", "5cam", "sc@m", "$c@m", "5C4M",  // look-alike digits and symbols
        "scaaam", "sssscam", "scammmm", "SSCCAAMM",  // repeated letters
        "s c a m", "s.c.a.m", "s-c-a-m", "s_c_a_m", "s*c*a*m", "S . C . A . M", "s.c.a.m.",  // spelled out
        "sc\u{200B}am", "s\u{00AD}cam", "s\u{200D}c\u{200D}a\u{200D}m",  // invisible characters
        "scam!", "scam!!!", "(scam)", "#scam", "\"scam\"",  // punctuation around it
        "scammer", "SCAMMER", "scamm3r", "5c4mm3r", "sc@mmer", "s c a m m e r",  // the other listed word
    ]

    @Test("a listed word is caught however it is disguised", arguments: evasions)
    func evasionsAreCaught(_ text: String) {
        guard case .mask(let masked) = Self.verdict("this is a \(text) for sure") else {
            Issue.record("'\(text)' got through")
            return
        }
        #expect(masked.hasPrefix("this is a ") && masked.hasSuffix(" for sure"), "only the word is masked: \(masked)")
        #expect(!masked.contains { $0.isLetter && !"thisaforure".contains($0) }, "no letter of it is left: \(masked)")
    }

    @Test("at least thirty evasions are covered")
    func enoughEvasions() {
        #expect(Self.evasions.count >= 30)
    }

    @Test(
        "whole words only: words that merely contain a listed one are left alone",
        arguments: ["scampi for lunch", "Scandinavia trip", "escape room", "a scamp of a dog", "Discam", "s c a m p i", "sca me", "I am a member"])
    func innocentWords(_ text: String) {
        #expect(Self.verdict(text) == .allow, "'\(text)' was flagged")
    }

    @Test("phrases match across spacing, case and look-alikes")
    func phrases() {
        #expect(Self.verdict("Join my PONZI   scheme today") == .mask("Join my *****   ****** today"))
        #expect(Self.verdict("a p0nz1 sch3me") == .mask("a ***** ******"))
        #expect(Self.verdict("ponzi schemes") == .allow, "the phrase's last word must be whole")
    }

    @Test("the mask covers the disguise and keeps the spacing")
    func masking() {
        #expect(Self.verdict("total s c a m here") == .mask("total * * * * here"))
        #expect(Self.verdict("$c@m!") == .mask("*****"))
        #expect(Self.verdict("scam and SCAM") == .mask("**** and ****"))
    }

    @Test("hold and reject report the rule; an empty list allows everything")
    func actions() {
        let hold = WordListFilter(words: ["scam"], action: .hold)
        #expect(hold.evaluate("sc4m", context: Self.context) == .hold(reason: "contains a listed word or phrase"))
        let reject = WordListFilter(words: ["scam"], action: .reject)
        guard case .reject(let code, _) = reject.evaluate("s.c.a.m", context: Self.context) else {
            Issue.record("not rejected")
            return
        }
        #expect(code == .messageRejected)
        #expect(WordListFilter(words: [], action: .reject).evaluate("scam", context: Self.context) == .allow)
    }
}
