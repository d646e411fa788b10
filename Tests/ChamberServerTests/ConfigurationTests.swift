import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberStorage
import Configuration
import Foundation
import Logging
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    func write(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID()).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a secret's file every user may read stops the node, naming the key; a private one is taken")
    func secretFilePermissions() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID())").path
        try "sk_test_0123456789abcdef\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        for key in ["billing.stripe.secret_key_file", "metrics.token_file", "mail.smtp.password_file"] {
            let environment = ["CHAMBER_" + key.uppercased().replacingOccurrences(of: ".", with: "_"): file]
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
            do {
                _ = try await ConfigurationLoader.load(file: try write("{}"), environment: environment)
                Issue.record("\(key): a world-readable secret was taken")
            } catch let error as ConfigurationError {
                #expect(error.key == key && error.message.contains("chmod 600"), "\(error)")
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: file)
            _ = try await ConfigurationLoader.load(file: try write("{}"), environment: environment)
        }
    }

    @Test("defaults: embedded SQLite on 127.0.0.1:8080")
    func defaults() async throws {
        let configuration = try await ConfigurationLoader.load(file: try write("{}"), environment: [:])
        #expect(configuration.host == "127.0.0.1" && configuration.port == 8080 && configuration.idleTimeoutSeconds == 30)
        #expect(configuration.databaseURL.hasPrefix("sqlite://"))
        #expect(configuration.brokerKind == .inProcess)
        #expect(configuration.sqliteSynchronous == .full, "acknowledged means on disk unless the operator chooses otherwise")
        let relaxed = try await ConfigurationLoader.load(file: try write("{}"), environment: ["CHAMBER_STORAGE_SQLITE_SYNCHRONOUS": "normal"])
        #expect(relaxed.sqliteSynchronous == .normal)
    }

    @Test("the shipped Config/ files load")
    func shippedFiles() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let embedded = try await ConfigurationLoader.load(file: root.appendingPathComponent("Config/chamberconnect.json").path, environment: [:])
        #expect(embedded.databaseURL == "sqlite://data/chamberconnect.sqlite")
        // The example's secret is a placeholder that must be replaced, as operators do through the environment.
        let clusterFile = root.appendingPathComponent("Config/cluster.example.json").path
        await #expect(throws: ConfigurationError.self) { try await ConfigurationLoader.load(file: clusterFile, environment: [:]) }
        let cluster = try await ConfigurationLoader.load(
            file: clusterFile, environment: ["CHAMBER_AUTH_JWT_SECRET": String(repeating: "k", count: 48)])
        #expect(cluster.databaseURL.hasPrefix("postgres://"))
        #expect(cluster.brokerKind == .redis && cluster.redisURL == "redis://127.0.0.1:6379" && cluster.nodeName == "node-a")
    }

    @Test("file < environment < flags")
    func precedence() async throws {
        let file = try write(#"{"server": {"port": 9000, "host": "127.0.0.2"}, "log": {"level": "debug"}}"#)
        let configuration = try await ConfigurationLoader.load(
            file: file, environment: ["CHAMBER_SERVER_PORT": "9100", "CHAMBER_DEMO_ENABLED": "true"],
            overrides: ["server.port": 9200])
        #expect(configuration.port == 9200)
        #expect(configuration.host == "127.0.0.2")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.demo)
    }

    @Test(
        "a misspelt key is called unknown whatever its value, and a list is refused for a known key",
        arguments: [
            (#"{"cluster": {"node_timout_ms": [3000]}}"#, "cluster.node_timout_ms", "unknown key"),
            (#"{"cluster": {"node_timout_ms": 3000}}"#, "cluster.node_timout_ms", "unknown key"),
            (#"{"cluster": {"node_timeout_ms": [3000]}}"#, "cluster.node_timeout_ms", "lists are not accepted"),
            // A section named "" is a level of its own: the key is ".", not "" given twice.
            (#"{"": {"": 1}}"#, ".", "unknown key"),
        ])
    func misspeltKeys(_ json: String, _ key: String, _ refusal: String) async throws {
        let error = await #expect(throws: ConfigurationError.self) { try await ConfigurationLoader.load(file: try write(json), environment: [:]) }
        #expect(error?.key == key)
        #expect(error?.message.hasPrefix(refusal) == true, "\(String(describing: error))")
    }

    @Test("PostgreSQL's prepared statements: 1,000 by default, 0 turns them off")
    func preparedStatements() async throws {
        #expect(try await ConfigurationLoader.load(file: nil, environment: [:]).databasePreparedStatements == 1_000)
        let off = try await ConfigurationLoader.load(file: nil, environment: ["CHAMBER_DATABASE_PREPARED_STATEMENTS": "0"])
        #expect(off.databasePreparedStatements == 0)
    }

    @Test("trusted proxies are addresses and blocks, separated by commas")
    func trustedProxies() async throws {
        let configuration = try await ConfigurationLoader.load(
            file: nil, environment: ["CHAMBER_SERVER_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8 ,fd00::/8"])
        #expect(configuration.trustedProxies == (try TrustedProxies(parsing: ["127.0.0.1", "10.0.0.0/8", "fd00::/8"])))
        #expect(try await ConfigurationLoader.load(file: nil, environment: [:]).trustedProxies == .none)
    }

    @Test("allowed origins are origins, or *; a default port is dropped")
    func crossOrigins() async throws {
        let configuration = try await ConfigurationLoader.load(
            file: nil, environment: ["CHAMBER_SERVER_CORS_ALLOWED_ORIGINS": "https://App.Example.org:443, http://127.0.0.1:3000"])
        #expect(configuration.crossOrigin == (try CrossOriginPolicy(parsing: ["https://app.example.org", "http://127.0.0.1:3000"])))
        #expect(try await ConfigurationLoader.load(file: nil, environment: [:]).crossOrigin == .none)
    }

    @Test(
        "bad configuration names the key and the fix",
        arguments: [
            (#"{"server": {"port": 70000}}"#, [String: String](), "server.port"),
            (#"{"server": {"prot": 8080}}"#, [:], "server.prot"),
            (#"{"server": {"idle_timeout_seconds": 0}}"#, [:], "server.idle_timeout_seconds"),
            (#"{"server": {"request_head_timeout_seconds": 0}}"#, [:], "server.request_head_timeout_seconds"),
            (#"{"server": {"max_connections_per_address": -1}}"#, [:], "server.max_connections_per_address"),
            (#"{"database": {"prepared_statements": -1}}"#, [:], "database.prepared_statements"),
            ("{}", ["CHAMBER_SERVER_TRUSTED_PROXIES": "127.0.0.1, nginx.local"], "server.trusted_proxies"),
            ("{}", ["CHAMBER_SERVER_TRUSTED_PROXIES": "10.0.0.0/40"], "server.trusted_proxies"),
            ("{}", ["CHAMBER_SERVER_CORS_ALLOWED_ORIGINS": "https://app.example.org/path"], "server.cors_allowed_origins"),
            ("{}", ["CHAMBER_SERVER_CORS_ALLOWED_ORIGINS": "app.example.org"], "server.cors_allowed_origins"),
            (#"{"database": {"url": "mysql://x"}}"#, [:], "database.url"),
            // An `@` before `://`: hiding the password in the refusal crashed the loader (fuzz-configuration).
            (#"{"database": {"url": "postgres@x://chamber"}}"#, [:], "database.url"),
            ("{}", ["CHAMBER_DATABASE_URL": "postgres://u@127.0.0.1/db"], "auth.jwt_secret"),
            ("{}", ["CHAMBER_AUTH_JWT_SECRET": "short"], "auth.jwt_secret"),
            ("{}", ["CHAMBER_LOG_LEVEL": "loud"], "log.level"),
            ("{}", ["CHAMBER_DEMO_ENABLED": "maybe"], "demo.enabled"),
            ("{}", ["CHAMBER_BROKER_KIND": "carrier-pigeon"], "broker.kind"),
            ("{}", ["CHAMBER_BROKER_KIND": "redis"], "broker.redis_url"),
            ("{}", ["CHAMBER_BROKER_KIND": "redis", "CHAMBER_BROKER_REDIS_URL": "http://127.0.0.1:6379"], "broker.redis_url"),
            ("{}", ["CHAMBER_BROKER_REDIS_URL": "redis://127.0.0.1:6379/zero"], "broker.redis_url"),
            ("{}", ["CHAMBER_BROKER_REDIS_PREFIX": "a b"], "broker.redis_prefix"),
            ("{}", ["CHAMBER_CLUSTER_HEARTBEAT_MS": "2000", "CHAMBER_CLUSTER_NODE_TIMEOUT_MS": "3000"], "cluster.node_timeout_ms"),
            ("{}", ["CHAMBER_AUTH_JWT_SECRET": "replace-with-output-of-openssl-rand-base64-48"], "auth.jwt_secret"),
            (#"{"server": {"host": "0.0.0.0"}, "demo": {"enabled": true}}"#, [:], "demo.enabled"),
            ("{not json", [:], "--config"),
            (#"{"server": {"host": 5}}"#, [:], "server.host"),
            (#"{"server": {"port": "eighty"}}"#, [:], "server.port"),
            (#"{"hub": {"conformance_echo": "sometimes"}}"#, [:], "hub.conformance_echo"),
            // The file's reader would take these (36 as true, 8080.0 as 8080); CHAMBER_DEMO_ENABLED=36 is refused.
            (#"{"demo": {"enabled": 36}}"#, [:], "demo.enabled"),
            (#"{"loadtest": {"enabled": 1}}"#, [:], "loadtest.enabled"),
            (#"{"hub": {"conformance_echo": "true"}}"#, [:], "hub.conformance_echo"),
            (#"{"server": {"port": 8080.0}}"#, [:], "server.port"),
            (#"{"server": {"port": true}}"#, [:], "server.port"),
            (#"{"storage": {"sqlite": {"synchronous": "off"}}}"#, [:], "storage.sqlite.synchronous"),
            (#"{"server": {"port": [8080]}}"#, [:], "server.port"),
            (#"{"auth": {"bcrypt_cost": 12}, "auth": {"bcrypt_cost": 4}}"#, [:], "auth"),
            (#"{"server": {"port": 8080, "port": 8081}}"#, [:], "server.port"),
            (#"{"server.port": 8080, "server": {"port": 8081}}"#, [:], "server.port"),
            (#"{"storage.sqlite": {"synchronous": "full"}, "storage": {"sqlite.synchronous": "normal"}}"#, [:], "storage.sqlite.synchronous"),
        ])
    func badConfiguration(_ json: String, _ environment: [String: String], _ key: String) async throws {
        let file = try write(json)
        do {
            _ = try await ConfigurationLoader.load(file: file, environment: environment)
            Issue.record("accepted bad configuration for \(key)")
        } catch let error as ConfigurationError {
            #expect(error.key == key)
            #expect(error.description.contains(key))
        }
    }

    @Test(
        "moderation rules that cannot work stop the node at start, naming the field",
        arguments: [
            (#"{"links": {"policy": "sometimes"}}"#, "links.policy"),
            (#"{"links": {"policy": "allow_list"}}"#, "links.allowed_domains"),
            (#"{"mentions": {"max": 0}}"#, "mentions.max"),
            (#"{"patterns": [{"name": "slow", "pattern": "(a+)+$", "action": "reject"}]}"#, "patterns[0].pattern"),
            (#"{"patterns": [{"name": "x", "pattern": "x", "action": "delete"}]}"#, "patterns[0].action"),
            (#"{"linkz": {"policy": "allow"}}"#, "linkz"),
            (#"{"shouting": {"caps_ratio": 0.1}}"#, "shouting.caps_ratio"),
        ])
    func badModerationRules(_ json: String, _ field: String) async throws {
        var configuration = ServerConfiguration()
        configuration.moderationRulesFile = try write(json)
        do {
            _ = try ChamberNode.moderationPipeline(configuration)
            Issue.record("accepted moderation rules with a bad \(field)")
        } catch let error as ConfigurationError {
            #expect(error.key == "moderation.rules_file" && error.description.contains(field), "\(error)")
        }
    }

    @Test("the shipped moderation rules load into a pipeline")
    func shippedModerationRules() async throws {
        var configuration = ServerConfiguration()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        configuration.moderationRulesFile = root.appendingPathComponent("Config/moderation/rules.json").path
        configuration.wordListFile = root.appendingPathComponent("Config/moderation/words.txt").path
        #expect(
            try ChamberNode.moderationPipeline(configuration).filters.map(\.name) == ["mentions", "links", "word_list"],
            "no rule that rewrites text is on by default (shouting is opt-in; the word list holds)")
    }

    @Test("a refusal says where the bad value came from, and never repeats a secret")
    func refusalNamesSource() async throws {
        let file = try write(#"{"server": {"port": 80000}}"#)
        for (environment, overrides, source) in [
            ([String: String](), [String: ConfigValue](), "'\(file)'"),
            (["CHAMBER_SERVER_PORT": "99999"], [:], "environment variable CHAMBER_SERVER_PORT"),
            (["CHAMBER_SERVER_PORT": "99999"], ["server.port": 70000], "the command line"),
        ] {
            do {
                _ = try await ConfigurationLoader.load(file: file, environment: environment, overrides: overrides)
                Issue.record("accepted a port out of range from \(source)")
            } catch let error as ConfigurationError {
                #expect(error.key == "server.port" && error.message.contains(source), "\(error)")
            }
        }
        do {
            let url = "redis://:hunter2-redis-password@127.0.0.1:6379/zero"
            _ = try await ConfigurationLoader.load(file: try write("{}"), environment: ["CHAMBER_BROKER_REDIS_URL": url])
            Issue.record("accepted a Redis URL with a database that is not a number")
        } catch let error as ConfigurationError {
            #expect(error.key == "broker.redis_url" && !error.description.contains("hunter2-redis-password"), "\(error)")
        }
        let secret = "replace-" + String(repeating: "s", count: 40)
        do {
            _ = try await ConfigurationLoader.load(file: try write("{}"), environment: ["CHAMBER_AUTH_JWT_SECRET": secret])
            Issue.record("accepted the placeholder secret")
        } catch let error as ConfigurationError {
            #expect(error.key == "auth.jwt_secret" && !error.description.contains(secret))
        }
    }

    @Test("a file that is not JSON is refused with the line and column where it stops being JSON")
    func syntaxPosition() async throws {
        let file = try write("{\n  \"server\": {\"port\": 8080,}\n}")
        do {
            _ = try await ConfigurationLoader.load(file: file, environment: [:])
            Issue.record("accepted a trailing comma")
        } catch let error as ConfigurationError {
            #expect(error.key == "--config")
            #expect(error.message.contains("line 2, column 27"), "\(error.message)")
        }
    }

    @Test("a byte-order mark before the JSON is passed over")
    func byteOrderMark() async throws {
        let path = try write("")
        try Data([0xEF, 0xBB, 0xBF] + Array(#"{"server": {"port": 8181}}"#.utf8)).write(to: URL(fileURLWithPath: path))
        #expect(try await ConfigurationLoader.load(file: path, environment: [:]).port == 8181)
    }

    @Test("of two mistakes, the first written is named, every time")
    func firstMistakeNamed() async throws {
        let file = try write(#"{"zebra": 1, "server": {"prot": 1}, "apple": 2}"#)
        for _ in 0..<20 {
            do {
                _ = try await ConfigurationLoader.load(file: file, environment: [:])
                Issue.record("accepted unknown keys")
            } catch let error as ConfigurationError {
                #expect(error.key == "zebra")
            }
        }
    }

    @Test("a missing file is reported with its path")
    func missingFile() async {
        do {
            _ = try await ConfigurationLoader.load(file: "/nonexistent/chamber.json", environment: [:])
            Issue.record("accepted a missing file")
        } catch {
            #expect("\(error)".contains("/nonexistent/chamber.json"))
        }
    }
}

extension ConfigurationTests {
    /// The package's root folder.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("every key is read by the loader, listed in README's table and in ServerConfiguration's doc table, and nothing else is")
    func oneTableOfKeys() async throws {
        let readme = try String(contentsOf: Self.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let table =
            readme.components(separatedBy: "| key | environment | default |").dropFirst().first?
            .components(separatedBy: "\n\n").first ?? ""
        var documented = Set<String>()
        for line in table.split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.split(separator: "|").first ?? ""
            for part in cell.split(separator: "`") where part.contains(".") { documented.insert(String(part)) }
        }
        let extra = documented.subtracting(ServerConfiguration.keys).sorted()
        let missing = Set(ServerConfiguration.keys).subtracting(documented).sorted()
        #expect(extra.isEmpty && missing.isEmpty, "README lists \(extra) that are not keys, and misses \(missing)")
        let source = try String(
            contentsOf: Self.packageRoot.appendingPathComponent("Sources/ChamberServer/Configuration/ServerConfiguration.swift"),
            encoding: .utf8)
        for key in ServerConfiguration.keys {
            #expect(source.contains("/// | `\(key)` |"), "ServerConfiguration's doc table does not describe \(key)")
        }
        // A key the loader never reads would be accepted and ignored: an odd value must either change the
        // configuration or be refused naming the key.
        let baseline = try await ConfigurationLoader.load(file: try write("{}"), environment: [:])
        for key in ServerConfiguration.keys {
            do {
                let changed = try await ConfigurationLoader.load(
                    file: try write("{}"), environment: [ServerConfiguration.environmentName(key): "odd-value-9"])
                #expect(changed != baseline, "\(key) was accepted and changed nothing: does the loader read it?")
            } catch let error as ConfigurationError {
                #expect(error.key == key, "\(key): refused naming \(error.key)")
            }
        }
    }
}
