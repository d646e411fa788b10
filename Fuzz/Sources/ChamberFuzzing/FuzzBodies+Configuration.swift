import ChamberDomain
import ChamberServer
import Foundation
import Synchronization

extension FuzzBodies {
    /// A node's configuration file (`--config`), read as a node reads it at start: loaded, or refused with a
    /// ``ConfigurationError`` that names a known key or section (an unknown one as unknown, `--config` for the file as
    /// a whole), never another error;
    /// the same each time. A file that loads gives the same configuration when its values come as `CHAMBER_*`
    /// environment variables instead, so the two ways of setting a key cannot drift apart.
    public static func configuration(_ bytes: UnsafeBufferPointer<UInt8>) {
        let file = ConfigurationFuzzFiles.shared
        let data = Data(bytes)
        guard (try? data.write(to: URL(fileURLWithPath: file.input))) != nil else { preconditionFailure("cannot write \(file.input)") }
        let outcome = ConfigurationOutcome.load(file: file.input, environment: [:])
        if case .failed(let error) = outcome { preconditionFailure("the file was refused with \(error), not a configuration error") }
        if case .refused(let error) = outcome {
            let keys = ServerConfiguration.keys
            let named =
                error.key == "--config" || keys.contains(error.key) || keys.contains { $0.hasPrefix(error.key + ".") }
                || error.message.hasPrefix("unknown key")
            precondition(named, "a refusal names no key the file could fix: \(error)")
        }
        let again = ConfigurationOutcome.load(file: file.input, environment: [:])
        precondition(again == outcome, "loading the same file twice differs: \(outcome), then \(again)")

        guard case .loaded = outcome, let environment = ConfigurationFuzzFiles.environment(of: data) else { return }
        let fromEnvironment = ConfigurationOutcome.load(file: file.empty, environment: environment)
        precondition(
            fromEnvironment == outcome,
            "the file loads as \(outcome) but its values as environment variables \(environment) as \(fromEnvironment)\(outcome.difference(from: fromEnvironment))"
        )
    }
}

/// What loading a configuration came to, comparable across two loads (the file's own path set aside).
enum ConfigurationOutcome: Equatable, CustomStringConvertible {
    case loaded(ServerConfiguration)
    case refused(ConfigurationError)
    case failed(String)

    /// The shipped defaults, found once: the fuzzer runs from the checkout, as `FuzzCorpusTests` do.
    static let defaults = DefaultFiles.locate(environment: [:])

    static func load(file: String, environment: [String: String]) -> ConfigurationOutcome {
        waitFor {
            do {
                var configuration = try await ConfigurationLoader.load(file: file, environment: environment, defaults: defaults)
                configuration.configFile = nil
                return .loaded(configuration)
            } catch let error as ConfigurationError {
                return .refused(error)
            } catch {
                return .failed(String(describing: error))
            }
        }
    }

    var description: String {
        switch self {
        case .loaded: "a configuration"
        case .refused(let error): String(describing: error)
        case .failed(let error): "an unexpected error: \(error)"
        }
    }

    /// The fields in which two loaded configurations differ, for a failure's message.
    func difference(from other: ConfigurationOutcome) -> String {
        guard case .loaded(let mine) = self, case .loaded(let theirs) = other else { return "" }
        let fields = zip(Mirror(reflecting: mine).children, Mirror(reflecting: theirs).children).filter {
            String(reflecting: $0.value) != String(reflecting: $1.value)
        }
        return fields.map {
            "; \($0.label ?? "?"): \(String(reflecting: $0.value)) from the file, \(String(reflecting: $1.value)) from the environment"
        }
        .joined()
    }

    /// Runs `work` to its end from synchronous code (a fuzz body is called by libFuzzer's C driver).
    private static func waitFor<Result: Sendable>(_ work: @escaping @Sendable () async -> Result) -> Result {
        let result = Mutex<Result?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let value = await work()
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }
}

/// The files the configuration target reads: the input, rewritten for each run, and an empty configuration to
/// read environment variables over.
struct ConfigurationFuzzFiles: Sendable {
    let input: String
    let empty: String

    static let shared: ConfigurationFuzzFiles = {
        let folder = NSTemporaryDirectory() + "chamber-fuzz-configuration-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let files = ConfigurationFuzzFiles(input: folder + "/input.json", empty: folder + "/empty.json")
        precondition(FileManager.default.createFile(atPath: files.empty, contents: Data("{}".utf8)), "cannot write \(files.empty)")
        return files
    }()

    /// The file's settings as `CHAMBER_*` variables, written as an operator would write each value; `nil` when a
    /// value has no single spelling there (a fraction, a null) or two entries set one key.
    static func environment(of data: Data) -> [String: String]? {
        guard case .object(let root)? = try? JSONDecoder().decode(JSONValue.self, from: data) else { return nil }
        var variables: [String: String] = [:]
        func flatten(_ object: [String: JSONValue], prefix: String) -> Bool {
            for (name, value) in object where !name.hasPrefix("_") {
                let key = prefix.isEmpty ? name : "\(prefix).\(name)"
                let text: String
                switch value {
                case .object(let nested):
                    guard flatten(nested, prefix: key) else { return false }
                    continue
                case .string(let string): text = string
                case .int(let int): text = String(int)
                case .bool(let bool): text = String(bool)
                case .double, .null, .array: return false
                }
                let variable = ServerConfiguration.environmentName(key)
                guard variables.updateValue(text, forKey: variable) == nil else { return false }
            }
            return true
        }
        return flatten(root, prefix: "") ? variables : nil
    }
}
