/// Refuses messages that mention too many people at once (`too_many_mentions`), and chamber-wide mentions
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
                return .reject(code: "mention_not_allowed", reason: "only admins, staff and moderators may mention @\(handle)")
            }
            handles.insert(handle)
        }
        guard handles.count > maxMentions else { return .allow }
        return .reject(code: "too_many_mentions", reason: "a message may mention at most \(maxMentions) people")
    }
}
