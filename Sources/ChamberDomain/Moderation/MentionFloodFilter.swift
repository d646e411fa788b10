import Foundation

/// Refuses messages that mention too many people at once (`too_many_mentions`; `<@USER_ID>` and `@name` alike), and chamber-wide mentions
/// (`@everyone`, `@channel`, `@all`, `@here`) from anyone but admins, staff and moderators (`mention_not_allowed`).
public struct MentionFloodFilter: MessageFilter {
    public let name = "mentions"
    public let maxMentions: Int

    public init(maxMentions: Int) {
        self.maxMentions = maxMentions
    }

    static let broadcast: Set<String> = ["everyone", "channel", "all", "here"]

    public func evaluate(_ text: String, context: ModerationContext) -> ModerationVerdict {
        guard !context.isModerating, text.utf8.contains(0x40) else { return .allow }  // "@"
        var handles = Set<String>()
        for token in text.split(whereSeparator: \.isWhitespace) where token.first == "@" {
            let handle = token.dropFirst().prefix { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" }.lowercased()
            guard !handle.isEmpty else { continue }
            if Self.broadcast.contains(handle) {
                return .reject(code: .mentionNotAllowed, reason: "only admins, staff and moderators may mention @\(handle)")
            }
            handles.insert(handle)
        }
        // The protocol's own form, <@USER_ID>, wherever it stands (it needs no space before it).
        var rest = Substring(text)
        while let open = rest.range(of: "<@") {
            rest = rest[open.upperBound...]
            guard let close = rest.firstIndex(of: ">") else { break }
            let id = rest[..<close].lowercased()
            if !id.isEmpty { handles.insert("<@" + id) }
            rest = rest[rest.index(after: close)...]
        }
        guard handles.count > maxMentions else { return .allow }
        return .reject(code: .tooManyMentions, reason: "a message may mention at most \(maxMentions) people")
    }
}
