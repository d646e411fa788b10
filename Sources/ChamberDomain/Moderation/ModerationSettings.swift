import Foundation

/// A chamber's moderation rules as configured (JSON, snake_case keys): the defaults live in
/// `Config/moderation/rules.json`. ``pipeline(wordList:)`` checks them and builds the filters; a rule that cannot
/// work (a pattern that could stall the hub, an unknown policy) is refused with `invalid_moderation_rule` and the
/// field at fault, so nothing bad is ever stored or run.
public struct ModerationSettings: Sendable, Equatable, Codable {
    public struct Links: Sendable, Equatable, Codable {
        /// `allow`, `allow_list`, `hold` or `block`.
        public var policy: String
        public var allowedDomains: [String]?
        /// Links from members who joined less than this many days ago are held (0 or absent: no such rule).
        public var newMemberDays: Int?

        public init(policy: String, allowedDomains: [String]? = nil, newMemberDays: Int? = nil) {
            self.policy = policy
            self.allowedDomains = allowedDomains
            self.newMemberDays = newMemberDays
        }
    }

    public struct Mentions: Sendable, Equatable, Codable {
        public var max: Int
        public init(max: Int) { self.max = max }
    }

    public struct Shouting: Sendable, Equatable, Codable {
        public var minLetters: Int?
        public var capsRatio: Double?
        public var maxRepeat: Int?
        public init(minLetters: Int? = nil, capsRatio: Double? = nil, maxRepeat: Int? = nil) {
            self.minLetters = minLetters
            self.capsRatio = capsRatio
            self.maxRepeat = maxRepeat
        }
    }

    public struct Pattern: Sendable, Equatable, Codable {
        public var name: String
        public var pattern: String
        /// `mask`, `hold` or `reject`.
        public var action: String
        public init(name: String, pattern: String, action: String) {
            self.name = name
            self.pattern = pattern
            self.action = action
        }
    }

    /// Flood control: at most `messages` per member per channel in `window_seconds`.
    public struct Flood: Sendable, Equatable, Codable {
        public var messages: Int
        public var windowSeconds: Int
        public init(messages: Int, windowSeconds: Int) {
            self.messages = messages
            self.windowSeconds = windowSeconds
        }
    }

    /// What the word list does with a match: `hold` (the default), `reject`, or `mask` (which rewrites the member's
    /// words: a chamber opts in).
    public var wordListAction: String?
    public var links: Links?
    public var mentions: Mentions?
    public var shouting: Shouting?
    public var patterns: [Pattern]?
    public var flood: Flood?
    /// A chamber's own listed words and phrases, added to the node's word list.
    public var words: [String]?

    public init(
        wordListAction: String? = nil, links: Links? = nil, mentions: Mentions? = nil, shouting: Shouting? = nil, patterns: [Pattern]? = nil,
        flood: Flood? = nil, words: [String]? = nil
    ) {
        self.words = words
        self.wordListAction = wordListAction
        self.links = links
        self.mentions = mentions
        self.shouting = shouting
        self.patterns = patterns
        self.flood = flood
    }

    /// The keys of each section as written (snake_case); `""` is the top level. A key outside them is refused, so a
    /// typo cannot switch a rule off without a word.
    public static let knownKeys: [String: Set<String>] = [
        "": ["word_list_action", "links", "mentions", "shouting", "patterns", "flood", "words"],
        "flood": ["messages", "window_seconds"],
        "links": ["policy", "allowed_domains", "new_member_days"],
        "mentions": ["max"],
        "shouting": ["min_letters", "caps_ratio", "max_repeat"],
        "patterns": ["name", "pattern", "action"],
    ]

    /// The first key of `json` the settings do not know (`links.polcy`), if any; `_`-prefixed keys are comments.
    public static func unknownKey(in json: JSONValue) -> String? {
        func check(_ object: [String: JSONValue], _ section: String) -> String? {
            for key in object.keys.sorted() where !key.hasPrefix("_") && !(knownKeys[section]?.contains(key) ?? false) {
                return section.isEmpty ? key : "\(section).\(key)"
            }
            return nil
        }
        guard case .object(let root) = json else { return nil }
        if let key = check(root, "") { return key }
        for (section, value) in root.sorted(by: { $0.key < $1.key }) where knownKeys[section] != nil && !section.isEmpty {
            switch value {
            case .object(let object): if let key = check(object, section) { return key }
            case .array(let items):
                for case .object(let object) in items { if let key = check(object, section) { return key } }
            default: break
            }
        }
        return nil
    }

    /// The flood gate the settings ask for (nil: no flood control).
    public func floodGate() throws(ChamberError) -> FloodGate? {
        guard let flood else { return nil }
        guard (1...1000).contains(flood.messages) else { throw Self.invalid("flood.messages", "must be from 1 to 1000") }
        guard (1...3600).contains(flood.windowSeconds) else { throw Self.invalid("flood.window_seconds", "must be from 1 to 3600") }
        return FloodGate(limit: flood.messages, window: TimeInterval(flood.windowSeconds))
    }

    /// The filters, refusals first, then masks: mentions, links, the chamber's patterns, shouting (before the word
    /// list, so that its masks are not cut like repeated characters), the word list.
    public func pipeline(wordList: [String]) throws(ChamberError) -> ModerationPipeline {
        var filters: [any MessageFilter] = []
        if let mentions {
            guard (1...100).contains(mentions.max) else { throw Self.invalid("mentions.max", "must be from 1 to 100") }
            filters.append(MentionFloodFilter(maxMentions: mentions.max))
        }
        if let links {
            let policy: LinkPolicyFilter.Policy
            switch links.policy {
            case "allow": policy = .allow
            case "hold": policy = .hold
            case "block": policy = .block
            case "allow_list":
                let domains = links.allowedDomains ?? []
                guard !domains.isEmpty, domains.allSatisfy({ LinkPolicyFilter.hosts(in: "https://" + $0) == [LinkPolicyFilter.normalize($0)] }) else {
                    throw Self.invalid("links.allowed_domains", "give the domains to allow, like [\"example.org\"]")
                }
                policy = .allowList(domains)
            default:
                throw Self.invalid("links.policy", "'\(links.policy)' must be allow, allow_list, hold or block")
            }
            if let days = links.newMemberDays, !(0...365).contains(days) { throw Self.invalid("links.new_member_days", "must be from 0 to 365") }
            filters.append(LinkPolicyFilter(policy: policy, newMemberDays: links.newMemberDays.flatMap { $0 > 0 ? $0 : nil }))
        }
        for (index, rule) in (patterns ?? []).enumerated() {
            guard let action = RegexRuleFilter.Action(rawValue: rule.action) else {
                throw Self.invalid("patterns[\(index)].action", "'\(rule.action)' must be mask, hold or reject")
            }
            guard !rule.name.isEmpty, rule.name.count <= 64 else { throw Self.invalid("patterns[\(index)].name", "must be 1 to 64 characters") }
            do {
                filters.append(try RegexRuleFilter(name: rule.name, pattern: rule.pattern, action: action))
            } catch {
                throw ChamberError(.invalidModerationRule, error.message, field: "patterns[\(index)].pattern")
            }
        }
        if let shouting {
            let ratio = shouting.capsRatio ?? 0.7
            guard (0.5...1).contains(ratio) else { throw Self.invalid("shouting.caps_ratio", "must be from 0.5 to 1") }
            guard (1...100).contains(shouting.maxRepeat ?? 4), (1...1000).contains(shouting.minLetters ?? 12) else {
                throw Self.invalid("shouting", "max_repeat must be from 1 to 100 and min_letters from 1 to 1000")
            }
            filters.append(ShoutingFilter(minLetters: shouting.minLetters ?? 12, capsRatio: ratio, maxRepeat: shouting.maxRepeat ?? 4))
        }
        if !wordList.isEmpty {
            guard let action = WordListFilter.Action(rawValue: wordListAction ?? "hold") else {
                throw Self.invalid("word_list_action", "'\(wordListAction ?? "")' must be mask, hold or reject")
            }
            filters.append(WordListFilter(words: wordList, action: action))
        }
        return ModerationPipeline(filters: filters)
    }

    private static func invalid(_ field: String, _ reason: String) -> ChamberError {
        ChamberError(.invalidModerationRule, "\(field) \(reason)", field: field)
    }
}
