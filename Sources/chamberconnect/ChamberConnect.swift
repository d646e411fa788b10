import ArgumentParser
import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberStorage
import Configuration
import Foundation
import Hummingbird
import Logging

@main
struct ChamberConnect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chamberconnect",
        abstract: "A live community server for chambers of commerce: real-time chat beside membership, events and billing.",
        version: ChamberNode.version,
        subcommands: [Serve.self, Migrate.self, Reseal.self, Demo.self, CreateAdmin.self, Backup.self, Restore.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every command shares: where the configuration and the data are.
struct CommonOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "JSON configuration file (default: chamberconnect.json of the shipped Config folder, found from CHAMBER_CONFIG_DIR, the working directory or the executable's location)."
    )
    var config: String?

    @Option(name: .long, help: "Database URL: sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB (key database.url).")
    var databaseURL: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (key log.level).")
    var logLevel: String?

    func load(_ extra: [String: ConfigValue] = [:]) async throws -> (ServerConfiguration, Logger) {
        var overrides = extra
        if let databaseURL { overrides["database.url"] = ConfigValue(.string(databaseURL), isSecret: false) }
        if let logLevel { overrides["log.level"] = ConfigValue(.string(logLevel), isSecret: false) }
        let configuration: ServerConfiguration
        do {
            configuration = try await ConfigurationLoader.load(file: config, environment: ProcessInfo.processInfo.environment, overrides: overrides)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        Observability.bootstrapLogging(level: configuration.logLevel)
        let logger = Logger(label: "chamberconnect")
        // Which files this node runs on: a node started from an unexpected folder says so at once.
        logger.info(
            "configuration loaded",
            metadata: [
                "config.file": "\(configuration.configFile ?? "none (defaults, environment and flags)")",
                "moderation.rules_file": "\(configuration.moderationRulesFile ?? "none")",
                "moderation.word_list_file": "\(configuration.wordListFile ?? "none")",
            ])
        return (configuration, logger)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (migrates the database first).")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Address to listen on (key server.host, default 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (key server.port, default 8080).")
    var port: Int?

    @Flag(name: .long, help: "Create the demo chamber and its logins if missing (key demo.enabled).")
    var demo = false

    @Flag(name: .long, help: "Let platform admins provision load-test accounts for chamber-load (key loadtest.enabled).")
    var loadTest = false

    func run() async throws {
        var overrides: [String: ConfigValue] = [:]
        if let host { overrides["server.host"] = ConfigValue(.string(host), isSecret: false) }
        if let port { overrides["server.port"] = ConfigValue(.int(port), isSecret: false) }
        if demo { overrides["demo.enabled"] = true }
        if loadTest { overrides["loadtest.enabled"] = true }
        let (configuration, logger) = try await common.load(overrides)
        let node = try await ChamberNode.assemble(configuration, logger: logger)
        if configuration.demo { printDemoLogins() }
        logger.info(
            "starting", metadata: ["address": "\(configuration.host):\(configuration.port)", "database": "\(redactedURL(configuration.databaseURL))"])
        try await node.run()
        logger.info("stopped")
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (configuration, logger) = try await common.load()
        let node = try await ChamberNode.assemble(configuration, logger: logger)
        let applied = try await node.withDatabase {
            (try await node.migrate(), try await Migrator(database: node.database, logger: logger).appliedVersions())
        }
        print(
            applied.0.isEmpty
                ? "database is up to date (schema version \(applied.1.last ?? 0))"
                : "applied migrations \(applied.0); schema version \(applied.1.last ?? 0)")
    }
}

struct Reseal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Seal every sealed field again with the first key of security.encryption_keys, then say whether any is left under another key.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (configuration, logger) = try await common.load()
        let node = try await ChamberNode.assemble(configuration, logger: logger)
        let (done, left) = try await node.withDatabase {
            _ = try await Migrator(database: node.database, logger: logger).migrate()
            let upkeep = SealedFieldsUpkeep(database: node.database, fields: node.store.fields)
            return (try await upkeep.run(), try await upkeep.remaining())
        }
        let key = node.store.fields.cipher.sealingKeyID
        print(
            "sealed again with key '\(key)': \(done.businessTaxIDs) business tax ids, \(done.applicationTaxIDs) application tax ids, "
                + "\(done.twoFactorSecrets) two-factor secrets")
        guard left.unopenable == 0 else {
            print("\(left.unopenable) sealed fields open with no configured key: put the key that sealed them back in security.encryption_keys")
            throw ExitCode(1)
        }
        guard left.total == 0 else {
            // Only a node still sealing with an older key between the two passes leaves one; run again.
            print("\(left.total) sealed fields are still under another key; run reseal again")
            throw ExitCode(1)
        }
        print(
            configuration.encryptionKeys.count > 1
                ? "nothing is left sealed under another key: the keys after '\(key)' in security.encryption_keys may be removed"
                : "nothing is left sealed under another key")
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the demo chamber (one login per role, businesses, members) and print the logins.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (configuration, logger) = try await common.load()
        let node = try await ChamberNode.assemble(configuration, logger: logger)
        let chamber = try await node.withDatabase {
            _ = try await node.migrate()
            return try await DemoSeeder(store: node.store, accounts: node.services.accounts, chat: node.realtime.chat, now: { node.clock.now() })
                .seed()
        }
        print("demo chamber: \(chamber.name) (id \(chamber.id), slug \(chamber.slug))")
        printDemoLogins()
    }
}

struct CreateAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-admin", abstract: "Create a platform administrator, or promote an existing account.")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "The administrator's email.")
    var email: String

    @Option(name: .long, help: "Display name for a new account.")
    var name = "Platform Admin"

    @Option(name: .long, help: "Password for a new account (default: read from CHAMBER_ADMIN_PASSWORD).")
    var password: String?

    func run() async throws {
        let (configuration, logger) = try await common.load()
        guard let password = password ?? ProcessInfo.processInfo.environment["CHAMBER_ADMIN_PASSWORD"] else {
            throw ValidationError("give --password or set CHAMBER_ADMIN_PASSWORD")
        }
        let node = try await ChamberNode.assemble(configuration, logger: logger)
        let email = self.email, name = self.name
        do {
            let user = try await node.withDatabase {
                try await Migrator(database: node.database, logger: logger).migrate()
                return try await node.services.accounts.ensurePlatformAdmin(email: email, password: password, displayName: name)
            }
            print("platform admin: \(user.email) (id \(user.id))")
        } catch let error as ChamberError {
            throw ValidationError("\(error.code.rawValue): \(error.message)")
        }
    }
}

func printDemoLogins() {
    print("demo logins (password for all: \(DemoSeeder.password)):")
    for login in DemoSeeder.logins {
        print("  \(login.role.padding(toLength: 15, withPad: " ", startingAt: 0)) \(login.email)")
    }
}
