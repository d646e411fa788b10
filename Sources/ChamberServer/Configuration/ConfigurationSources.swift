import ChamberJSON
import ChamberRealtime
import Configuration
import Foundation
import SystemPackage

/// The providers a node's configuration is read from, in falling priority: command-line flags, `CHAMBER_*`
/// environment variables, the JSON file. One `ConfigReader` reads through them in that order, as Hummingbird reads
/// its own; the providers are also kept by name so that a refusal can say which of them gave the bad value.
struct ConfigurationSources {
    /// Reads a key from the first provider that has it.
    let reader: ConfigReader
    private let named: [(describe: @Sendable (String) -> String, provider: any ConfigProvider)]
    /// Which of `named` is the file, when there is one.
    private let fileIndex: Int?

    /// Keys whose values are never written to logs or access reports.
    static let secretKeys: Set<String> = ["auth.jwt_secret", "database.url", "broker.redis_url", "security.encryption_keys"]

    /// - Parameters:
    ///   - file: the JSON file, already checked by ``checkedFileKeys(_:)``.
    ///   - environment: the process environment; only `CHAMBER_*` names are keys.
    ///   - overrides: values from command-line flags, by key.
    init(file: String?, environment: [String: String], overrides: [String: ConfigValue]) async throws {
        var named: [(describe: @Sendable (String) -> String, provider: any ConfigProvider)] = []
        let flags = InMemoryProvider(
            name: "command line",
            values: Dictionary(
                uniqueKeysWithValues: overrides.map { key, value in
                    (AbsoluteConfigKey(ConfigKey(key)), ConfigValue(value.content, isSecret: value.isSecret || Self.secretKeys.contains(key)))
                }))
        named.append(({ _ in "the command line" }, flags))
        let secretNames = Set(Self.secretKeys.map(ServerConfiguration.environmentName))
        let variables = EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: .specific(secretNames))
        // `server.port` is CHAMBER_SERVER_PORT: the prefix keeps our keys apart from everything else in the environment.
        named.append(({ key in "environment variable \(ServerConfiguration.environmentName(key))" }, variables.prefixKeys(with: ["chamber"])))
        if let file {
            let options = JSONSnapshot.ParsingOptions(secretsSpecifier: .specific(Self.secretKeys))
            let provider = try await FileProvider<JSONSnapshot>(parsingOptions: options, filePath: FilePath(file))
            named.append(({ _ in "'\(file)'" }, provider))
            fileIndex = named.count - 1
        } else {
            fileIndex = nil
        }
        self.named = named
        reader = ConfigReader(providers: named.map(\.provider))
    }

    /// Where `key` is set, its value as written and whether the file set it, or `nil` when no provider sets it.
    func origin(of key: String) -> (source: String, text: String, inFile: Bool)? {
        let absolute = AbsoluteConfigKey(ConfigKey(key))
        for (index, (describe, provider)) in named.enumerated() {
            var present = false
            for type in [ConfigType.string, .int, .double, .bool] {
                do {
                    guard let value = try provider.value(forKey: absolute, type: type).value else {
                        if type == .string { break } else { continue }
                    }
                    let text = value.isSecret ? "<secret>" : Self.text(of: value.content)
                    return (describe(key), text, index == fileIndex)
                } catch {
                    // Set, but not as this type: try the next.
                    present = true
                }
            }
            if present { return (describe(key), "a list", index == fileIndex) }
        }
        return nil
    }

    private static func text(of content: ConfigContent) -> String {
        switch content {
        case .string(let string): string
        case .int(let int): String(int)
        case .double(let double): String(double)
        case .bool(let bool): String(bool)
        default: "a list"
        }
    }

    /// Checks that a configuration file can be read, holds a JSON object and names only known keys, so that a typo
    /// is refused rather than silently ignored. Returns each key's value as written, for the kind checks the file's
    /// own reader does not make (see ``ConfigurationLoader``).
    static func checkedFileKeys(_ path: String) throws -> [String: WireJSON] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(
                key: "--config", "cannot read '\(path)': check the path (relative to \(FileManager.default.currentDirectoryPath))")
        }
        // A byte-order mark (some editors write one) is not JSON, but says nothing wrong about the settings.
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let skipped = data.starts(with: bom) ? bom.count : 0
        let parsed = [UInt8](data.dropFirst(skipped)).withUnsafeBytes { bytes in
            Result { () throws(WireJSON.SyntaxError) in try WireJSON.parse(bytes) }
        }
        let root: WireJSON
        switch parsed {
        case .success(let value): root = value
        case .failure(let error):
            let (line, column) = position(of: error.offset + skipped, in: data)
            throw ConfigurationError(
                key: "--config",
                "'\(path)' is not JSON from line \(line), column \(column) (RFC 8259: strings in double quotes, no trailing commas or comments, at most \(WireJSON.maxDepth) levels deep)"
            )
        }
        guard case .object(let members) = root else {
            throw ConfigurationError(key: "--config", "'\(path)' must hold a JSON object like {\"server\": {\"port\": 8080}}")
        }
        // Keys in the order written, so that a file with two mistakes is refused for the first each time. Readers of
        // JSON disagree on which of two values of one key wins, and `{"server.port": 1, "server": {"port": 2}}`
        // names one key twice too: a key given twice, however spelled, is refused.
        var seen: [String: WireJSON] = [:]
        func walk(_ members: [(key: String, value: WireJSON)], prefix: String?) throws {
            // Names starting with "_" are comments.
            for (name, value) in members where !name.hasPrefix("_") {
                // `nil` at the top: a section named "" is a level too (`{"": {"": 1}}` is the key ".", not "" twice).
                let key = prefix.map { "\($0).\(name)" } ?? name
                guard seen.updateValue(value, forKey: key) == nil else {
                    throw ConfigurationError(key: key, "is given twice in '\(path)'; keep one")
                }
                if case .object(let nested) = value {
                    try walk(nested, prefix: key)
                    continue
                }
                // A misspelt key is named as unknown whatever its value, a list included.
                guard ServerConfiguration.keys.contains(key) else {
                    throw ConfigurationError(key: key, "unknown key in '\(path)'; known keys: \(ServerConfiguration.keys.joined(separator: ", "))")
                }
                if case .array = value { throw ConfigurationError(key: key, "lists are not accepted here") }
            }
        }
        try walk(members, prefix: nil)
        return seen
    }

    /// The line and column (from 1, in bytes) of a byte offset.
    private static func position(of offset: Int, in data: Data) -> (line: Int, column: Int) {
        let before = data.prefix(offset)
        let line = before.count(where: { $0 == UInt8(ascii: "\n") }) + 1
        let column = offset - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 - data.startIndex + 1 } ?? 0) + 1
        return (line, column)
    }
}
