import ChamberDomain
import Foundation

/// Reads `Config/moderation/rules.json`: every key must be one the settings know (a typo would otherwise switch a
/// rule off without a word), `_`-prefixed keys are comments.
enum ModerationRulesFile {
    static let keys: [String: Set<String>] = [
        "": ["word_list_action", "links", "mentions", "shouting", "patterns", "flood"],
        "flood": ["messages", "window_seconds"],
        "links": ["policy", "allowed_domains", "new_member_days"],
        "mentions": ["max"],
        "shouting": ["min_letters", "caps_ratio", "max_repeat"],
        "patterns": ["name", "pattern", "action"],
    ]

    static func load(_ path: String) throws -> ModerationSettings {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(key: "moderation.rules_file", "cannot read '\(path)'")
        }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ConfigurationError(key: "moderation.rules_file", "'\(path)' is not a JSON object")
        }
        try check(root, section: "", path: path)
        for (section, value) in root where keys[section] != nil {
            if let object = value as? [String: Any] { try check(object, section: section, path: path) }
            if let array = value as? [[String: Any]] { for object in array { try check(object, section: section, path: path) } }
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(ModerationSettings.self, from: data)
        } catch {
            throw ConfigurationError(key: "moderation.rules_file", "'\(path)' does not have the expected shape: \(error)")
        }
    }

    private static func check(_ object: [String: Any], section: String, path: String) throws {
        for key in object.keys where !key.hasPrefix("_") && !(keys[section]?.contains(key) ?? false) {
            let name = section.isEmpty ? key : "\(section).\(key)"
            throw ConfigurationError(key: "moderation.rules_file", "unknown key '\(name)' in '\(path)'; known: \(keys[section]!.sorted().joined(separator: ", "))")
        }
    }
}
