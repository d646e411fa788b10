import Foundation

/// Where the shipped defaults live (`Config/`: the node's configuration, the moderation rules and word list), found
/// wherever the binary is started from, as a service manager starts it.
///
/// Looked for, in order: `CHAMBER_CONFIG_DIR`; `Config/` in the working directory; `Config/` beside the executable or
/// up to four folders above it (a build under `.build/release/` finds the checkout's); `/etc/chamberconnect`. A folder
/// counts when it holds `moderation/rules.json`. Without one, a node refuses to start unless its moderation files are
/// named: a node that silently ran with no word list, no rules and no flood limit was found this way.
public struct DefaultFiles: Sendable, Equatable {
    /// The folder found, if any.
    public let directory: String?
    /// Where it looked, in order (named in the refusal).
    public let searched: [String]

    public var configFile: String? { existing("chamberconnect.json") }
    public var rulesFile: String? { existing("moderation/rules.json") }
    public var wordListFile: String? { existing("moderation/words.txt") }
    public var categoriesFile: String? { existing("membership/categories.json") }
    /// The API description: `Protocol/openapi.yaml` in the checkout or package the defaults' folder came with.
    public var openAPIFile: String? {
        guard let directory else { return nil }
        let path = ((directory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("Protocol/openapi.yaml")
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The web app: `Web/` in the checkout or package the defaults' folder came with.
    public var webRoot: String? {
        guard let directory else { return nil }
        let path = ((directory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("Web")
        return FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("index.html")) ? path : nil
    }

    private func existing(_ name: String) -> String? {
        guard let directory else { return nil }
        let path = (directory as NSString).appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Finds the folder for this process.
    public static func locate(environment: [String: String]) -> DefaultFiles {
        locate(
            environment: environment, workingDirectory: FileManager.default.currentDirectoryPath,
            executable: Bundle.main.executableURL?.resolvingSymlinksInPath().path)
    }

    /// Finds the folder from these starting points (a pure function of them and the file system, for tests).
    public static func locate(environment: [String: String], workingDirectory: String, executable: String?) -> DefaultFiles {
        var candidates: [String] = []
        if let named = environment["CHAMBER_CONFIG_DIR"], !named.isEmpty { candidates.append(named) }
        candidates.append((workingDirectory as NSString).appendingPathComponent("Config"))
        if let executable {
            var folder = (executable as NSString).deletingLastPathComponent
            for _ in 0..<5 {
                candidates.append((folder as NSString).appendingPathComponent("Config"))
                let parent = (folder as NSString).deletingLastPathComponent
                guard parent != folder else { break }
                folder = parent
            }
        }
        candidates.append("/etc/chamberconnect")
        var searched: [String] = []
        for candidate in candidates where !searched.contains(candidate) {
            searched.append(candidate)
            let rules = (candidate as NSString).appendingPathComponent("moderation/rules.json")
            if FileManager.default.fileExists(atPath: rules) { return DefaultFiles(directory: candidate, searched: searched) }
        }
        return DefaultFiles(directory: nil, searched: searched)
    }
}
