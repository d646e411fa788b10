import ChamberDomain
import Foundation

/// Reads `Config/moderation/rules.json`: every key must be one the settings know (a typo would otherwise switch a
/// rule off without a word), `_`-prefixed keys are comments.
enum ModerationRulesFile {
    static func load(_ path: String) throws -> ModerationSettings {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(key: "moderation.rules_file", "cannot read '\(path)'")
        }
        guard let json = try? JSONDecoder().decode(ChamberDomain.JSONValue.self, from: data), case .object = json else {
            throw ConfigurationError(key: "moderation.rules_file", "'\(path)' is not a JSON object")
        }
        if let key = ModerationSettings.unknownKey(in: json) {
            let section = key.contains(".") ? String(key.prefix { $0 != "." }) : ""
            let known = (ModerationSettings.knownKeys[section] ?? []).sorted().joined(separator: ", ")
            throw ConfigurationError(key: "moderation.rules_file", "unknown key '\(key)' in '\(path)'; known: \(known)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(ModerationSettings.self, from: data)
        } catch {
            throw ConfigurationError(key: "moderation.rules_file", "'\(path)' does not have the expected shape: \(error)")
        }
    }
}
