import ChamberDomain
import Foundation
import Testing

@Suite("Moderation filters: links, mentions, shouting, chamber patterns")
struct ModerationFiltersTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func context(_ role: Role = .member, joinedDaysAgo: Double? = nil) -> ModerationContext {
        ModerationContext(chamberID: .generate(), channelID: .generate(), senderID: .generate(), senderRole: role, at: now,
                          memberSince: joinedDaysAgo.map { now.addingTimeInterval(-$0 * 86_400) })
    }

    // MARK: Links

    @Test("links are found with or without a scheme, and e-mail addresses and decimals are not links", arguments: [
        ("see https://Example.com/path?q=1", ["example.com"]),
        ("http://shop.example.org:8080", ["shop.example.org"]),
        ("go to www.example.net now", ["example.net"]),
        ("visit example.com.", ["example.com"]),
        ("(bit.ly/abc)", ["bit.ly"]),
        ("two: a.io and b.co", ["a.io", "b.co"]),
        ("mail bob@example.com", []),
        ("costs 3.50 or 1.5.2", []),
        ("file.txt and notes.md", []),
        ("end of sentence.Next one", []),
    ])
    func linkDetection(_ text: String, _ hosts: [String]) {
        let filter = LinkPolicyFilter(policy: .block)
        let verdict = filter.evaluate(text, context: Self.context())
        if hosts.isEmpty {
            #expect(verdict == .allow, "\(text)")
        } else {
            #expect(verdict == .reject(code: "links_not_allowed", reason: "links are not allowed here"), "\(text)")
        }
    }

    @Test("an allow-list passes its domains and their subdomains only")
    func allowList() {
        let filter = LinkPolicyFilter(policy: .allowList(["springfieldchamber.org", "www.city.gov"]))
        #expect(filter.evaluate("agenda: https://springfieldchamber.org/gala", context: Self.context()) == .allow)
        #expect(filter.evaluate("tickets.springfieldchamber.org/buy", context: Self.context()) == .allow)
        #expect(filter.evaluate("permits at city.gov", context: Self.context()) == .allow)
        guard case .reject(let code, let reason) = filter.evaluate("cheap https://springfieldchamber.org.evil.com", context: Self.context()) else {
            Issue.record("a look-alike domain passed")
            return
        }
        #expect(code == "link_not_allowed" && reason.contains("springfieldchamber.org.evil.com"))
        #expect(filter.evaluate("notspringfieldchamber.org", context: Self.context()) != .allow)
    }

    @Test("hold holds, allow allows, new members' links are held whatever the policy, moderators are exempt")
    func policiesAndNewMembers() {
        #expect(LinkPolicyFilter(policy: .allow).evaluate("example.com", context: Self.context()) == .allow)
        #expect(LinkPolicyFilter(policy: .hold).evaluate("example.com", context: Self.context()).isHold)
        let guarded = LinkPolicyFilter(policy: .allow, newMemberDays: 3)
        #expect(guarded.evaluate("example.com", context: Self.context(joinedDaysAgo: 1)).isHold)
        #expect(guarded.evaluate("example.com", context: Self.context(joinedDaysAgo: 4)) == .allow)
        #expect(guarded.evaluate("no links here", context: Self.context(joinedDaysAgo: 1)) == .allow)
        #expect(LinkPolicyFilter(policy: .block).evaluate("example.com", context: Self.context(.moderator)) == .allow)
        #expect(LinkPolicyFilter(policy: .block).evaluate("example.com", context: Self.context(.board)) != .allow)
    }

    // MARK: Mentions

    @Test("too many people mentioned, or the whole room, is refused with a code")
    func mentions() {
        let filter = MentionFloodFilter(maxMentions: 3)
        #expect(filter.evaluate("@ann @ben @cy thanks", context: Self.context()) == .allow)
        #expect(filter.evaluate("@ann @ann @ann @ann the same person", context: Self.context()) == .allow)
        guard case .reject(let code, _) = filter.evaluate("@ann @ben @cy @dee look", context: Self.context()) else {
            Issue.record("four mentions passed")
            return
        }
        #expect(code == "too_many_mentions")
        guard case .reject(let broadcast, _) = filter.evaluate("hey @Everyone free drinks", context: Self.context()) else {
            Issue.record("@everyone passed")
            return
        }
        #expect(broadcast == "mention_not_allowed")
        #expect(filter.evaluate("@everyone the gala starts at 6", context: Self.context(.staff)) == .allow)
        #expect(filter.evaluate("mail bob@example.com", context: Self.context()) == .allow)
    }

    // MARK: Shouting and repetition

    @Test("shouting is lowered, runs of one character are cut, ordinary text is left alone", arguments: [
        ("THE GALA IS TONIGHT. BE THERE!", "The gala is tonight. Be there!"),
        ("sooooooo good!!!!!!!!", "soooo good!!!!"),
        ("NASA and the IRS are acronyms in a normal sentence", nil),
        ("OK", nil),
        ("Meeting at 10:00, room B", nil),
    ] as [(String, String?)])
    func shouting(_ text: String, _ expected: String?) {
        let verdict = ShoutingFilter().evaluate(text, context: Self.context())
        if let expected { #expect(verdict == .mask(expected)) } else { #expect(verdict == .allow) }
    }

    // MARK: Chamber patterns

    @Test("a chamber's pattern masks, holds or rejects what it matches")
    func patterns() throws {
        let phone = try RegexRuleFilter(name: "phone_numbers", pattern: #"\b\d{3}[-. ]\d{3}[-. ]\d{4}\b"#, action: .mask)
        #expect(phone.evaluate("call 555-123-4567 today", context: Self.context()) == .mask("call ************ today"))
        #expect(phone.evaluate("call me today", context: Self.context()) == .allow)
        let promo = try RegexRuleFilter(name: "promo", pattern: "promo ?code", action: .hold)
        #expect(promo.evaluate("use PROMO CODE x", context: Self.context()).isHold)
        let crypto = try RegexRuleFilter(name: "crypto", pattern: "(bitcoin|btc) (giveaway|doubler)", action: .reject)
        #expect(crypto.evaluate("BTC giveaway now", context: Self.context()) == .reject(code: "message_rejected", reason: "this message matches a rule of the chamber ('crypto')"))
    }

    @Test("patterns that could stall the hub or do not compile are refused when configured, with the reason", arguments: [
        "(a+)+$", "(a*)*", "(\\w+\\s?)+$", "(a|aa)+", "(x+x+)+y", "(a{1,3}){2,}", "(.*a){20}",
        "(\\d)\\1", "(?=secret)", "(?<!no)yes", "(unclosed", "[abc", "", String(repeating: "a", count: 201),
    ])
    func refusedPatterns(_ pattern: String) {
        #expect(throws: ChamberError.self) { try RegexRuleFilter(name: "bad", pattern: pattern, action: .reject) }
        do {
            _ = try RegexRuleFilter(name: "bad", pattern: pattern, action: .reject)
        } catch {
            #expect(error.code == .invalidModerationRule && error.field == "pattern" && error.message.contains("'bad'"))
        }
    }

    @Test("ordinary patterns are accepted", arguments: ["\\bscam\\b", "(foo|bar) baz", "(ab)+", "a+b*c?", "(?:https?://)?bit\\.ly", "[a-z]+@[a-z]+\\.com", "(\\d{3}-){2}\\d{4}"])
    func acceptedPatterns(_ pattern: String) throws {
        _ = try RegexRuleFilter(name: "ok", pattern: pattern, action: .mask)
    }

    @Test("a refused-shape input cannot slow an accepted pattern: 4,000 characters of near-matches in well under a second")
    func boundedWork() throws {
        let filter = try RegexRuleFilter(name: "ok", pattern: "(ab)+c", action: .reject)
        let text = String(repeating: "ab", count: 2_000)
        let start = ContinuousClock.now
        #expect(filter.evaluate(text, context: Self.context()) == .allow)
        #expect(ContinuousClock.now - start < .seconds(1))
    }
}

extension ModerationVerdict {
    var isHold: Bool { if case .hold = self { true } else { false } }
}
