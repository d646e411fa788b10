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
        guard !context.isModerating, Self.mayContainLink(text) else { return .allow }
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
            return .reject(code: .linksNotAllowed, reason: "links are not allowed here")
        case .allowList:
            guard let refused = hosts.first(where: { host in !allowed.contains { host == $0 || host.hasSuffix("." + $0) } }) else { return .allow }
            return .reject(code: .linkNotAllowed, reason: "links to \(refused) are not allowed here")
        }
    }

    /// Top-level domains a bare `name.tld` is read as a link with (`see example.com`); with a scheme or `www.` any
    /// host counts.
    static let topLevelDomains: Set<String> = [
        "com", "org", "net", "edu", "gov", "io", "co", "biz", "info", "us", "uk", "ca", "de", "fr", "eu", "app", "dev",
        "ly", "me", "xyz", "gg", "tv", "ru", "cn", "in", "au", "nl", "online", "site", "shop", "store", "link", "click",
        "top", "club", "live", "news", "ai", "to", "cc", "ws", "su", "tk",
    ]

    /// Whether a dot sits between two letters or digits somewhere (`name.tld`): most messages have none, and the
    /// word-by-word scan is skipped for them.
    static func mayContainLink(_ text: String) -> Bool {
        var previous: UInt8 = 0
        var dotAfterAlnum = false
        for byte in text.utf8 {
            let alnum = (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7a) || byte >= 0x80
            if dotAfterAlnum && alnum { return true }
            dotAfterAlnum = byte == 0x2e && previous != 0
            previous = alnum ? byte : (byte == 0x2e ? previous : 0)
        }
        return false
    }

    /// The hosts of the links in `text`, lowercased and without `www.`. Works on UTF-8 bytes: it runs on every
    /// message with a dotted word (Foundation's string searching costs tens of microseconds here).
    static func hosts(in text: String) -> [String] {
        var hosts: [String] = []
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, !isSeparator(bytes[end]) { end += 1 }
            if end > start, let host = host(in: bytes[start..<end]) { hosts.append(host) }
            start = end + 1
        }
        return hosts
    }

    private static func isSeparator(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 || byte == 0x3c || byte == 0x3e || byte == 0x28 || byte == 0x29
    }

    private static func isLabelByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7a) || byte == 0x2d || byte >= 0x80
    }

    /// The host of one whitespace-delimited token, if the token is a link.
    private static func host(in token: ArraySlice<UInt8>) -> String? {
        var body = token
        var hadScheme = false
        // "scheme://": the host follows.
        if let colon = token.firstIndex(of: 0x3a), colon + 2 < token.endIndex, token[colon + 1] == 0x2f, token[colon + 2] == 0x2f {
            body = token[(colon + 3)...]
            hadScheme = true
        } else if token.contains(0x40) {
            return nil  // an e-mail address, not a link
        }
        var end = body.startIndex
        while end < body.endIndex, ![0x2f, 0x3f, 0x23, 0x3a].contains(body[end]) { end += 1 }
        var host = Array(body[body.startIndex..<end].map { $0 >= 0x41 && $0 <= 0x5a ? $0 | 0x20 : $0 })
        // Punctuation around a link in a sentence is not part of it.
        while let last = host.last, !isLabelByte(last) || last == 0x2d { host.removeLast() }
        while let first = host.first, !isLabelByte(first) || first == 0x2d { host.removeFirst() }
        let labels = host.split(separator: 0x2e, omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isLabelByte) }) else { return nil }
        let top = String(decoding: labels.last!, as: UTF8.self)
        guard top.utf8.contains(where: { $0 >= 0x61 && $0 <= 0x7a }) || top.utf8.contains(where: { $0 >= 0x80 }) else { return nil }
        guard hadScheme || labels.first!.elementsEqual("www".utf8) || topLevelDomains.contains(top) else { return nil }
        return normalize(String(decoding: host, as: UTF8.self))
    }

    static func normalize(_ domain: String) -> String {
        let lowered = domain.lowercased().trimmingCharacters(in: .whitespaces)
        return lowered.hasPrefix("www.") ? String(lowered.dropFirst(4)) : lowered
    }
}
