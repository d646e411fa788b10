import Foundation

/// What a chamber does with links: allow them, allow some domains only, hold every link for review, or block them;
/// and, whatever the policy, hold links from members who joined less than `newMemberDays` ago (the usual spam
/// pattern: join, post a link, leave). Admins, staff and moderators are not held to it.
public struct LinkPolicyFilter: MessageFilter {
    public enum Policy: Sendable, Equatable {
        case allow
        /// Links to these domains (and their subdomains) pass; others are refused with `link_not_allowed`.
        case allowList([String])
        case hold
        /// Every link is refused with `links_not_allowed`.
        case block
    }

    public let name = "links"
    public let policy: Policy
    public let newMemberDays: Int?

    public init(policy: Policy, newMemberDays: Int? = nil) {
        self.policy = policy
        if case .allowList(let domains) = policy {
            self.allowed = domains.map { Self.normalize($0) }
        } else {
            self.allowed = []
        }
        self.newMemberDays = newMemberDays
    }

    private let allowed: [String]

    public func evaluate(_ text: String, context: ModerationContext) -> ModerationVerdict {
        guard !context.isModerating else { return .allow }
        let hosts = Self.hosts(in: text)
        guard !hosts.isEmpty else { return .allow }
        if let days = newMemberDays, let since = context.memberSince, context.at < since.addingTimeInterval(TimeInterval(days) * 86_400) {
            return .hold(reason: "links from members in their first \(days) days are reviewed before they are published")
        }
        switch policy {
        case .allow:
            return .allow
        case .hold:
            return .hold(reason: "messages with links are reviewed before they are published")
        case .block:
            return .reject(code: "links_not_allowed", reason: "links are not allowed here")
        case .allowList:
            guard let refused = hosts.first(where: { host in !allowed.contains { host == $0 || host.hasSuffix("." + $0) } }) else { return .allow }
            return .reject(code: "link_not_allowed", reason: "links to \(refused) are not allowed here")
        }
    }

    /// Top-level domains a bare `name.tld` is read as a link with (`see example.com`); with a scheme or `www.` any
    /// host counts.
    static let topLevelDomains: Set<String> = [
        "com", "org", "net", "edu", "gov", "io", "co", "biz", "info", "us", "uk", "ca", "de", "fr", "eu", "app", "dev",
        "ly", "me", "xyz", "gg", "tv", "ru", "cn", "in", "au", "nl", "online", "site", "shop", "store", "link", "click",
        "top", "club", "live", "news", "ai", "to", "cc", "ws", "su", "tk",
    ]

    /// The hosts of the links in `text`, lowercased and without `www.`.
    static func hosts(in text: String) -> [String] {
        var hosts: [String] = []
        for token in text.split(whereSeparator: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "(" || $0 == ")" }) {
            var candidate = Substring(token)
            if let scheme = candidate.range(of: "://") {
                candidate = candidate[scheme.upperBound...]
            } else if candidate.contains("@") {
                continue  // an email address, not a link
            }
            let host = candidate.prefix { $0 != "/" && $0 != "?" && $0 != "#" && $0 != ":" }
                .trimmingCharacters(in: CharacterSet(charactersIn: ".,;!?'\"*_[]{}"))
                .lowercased()
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } }) else { continue }
            let hadScheme = token.contains("://")
            guard hadScheme || labels.first == "www" || topLevelDomains.contains(String(labels.last!)), labels.last!.contains(where: \.isLetter) else { continue }
            hosts.append(normalize(host))
        }
        return hosts
    }

    static func normalize(_ domain: String) -> String {
        let lowered = domain.lowercased().trimmingCharacters(in: .whitespaces)
        return lowered.hasPrefix("www.") ? String(lowered.dropFirst(4)) : lowered
    }
}
