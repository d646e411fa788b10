import ChamberDomain
import ChamberHTTP
import ChamberStorage
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// The composition root: builds a whole node (database, store, services, HTTP application) from a configuration.
/// This is the only place that knows every adapter.
public struct ChamberNode: Sendable {
    public static let version = "0.1.0"

    public let configuration: ServerConfiguration
    public let database: any SQLDatabase
    public let store: SQLStore
    public let services: ChamberServices
    public let metrics: PrometheusCollectorRegistry
    let logger: Logger

    /// Opens the database and wires the services. Nothing runs yet: see ``makeApplication()`` and ``withDatabase(_:)``.
    public static func assemble(_ configuration: ServerConfiguration, logger: Logger) async throws -> ChamberNode {
        let location: DatabaseLocation
        do {
            location = try DatabaseLocation(url: configuration.databaseURL)
        } catch {
            throw ConfigurationError(key: "database.url", "\(error)")
        }
        let database = try await StoreFactory.open(location, logger: logger)
        let store = SQLStore(database: database)
        let secret = try configuration.jwtSecret ?? loadOrCreateSecret(at: configuration.jwtSecretFile, logger: logger)
        let auth = AuthConfiguration(accessTokenLifetime: TimeInterval(configuration.accessTokenTTLSeconds),
                                     refreshTokenLifetime: TimeInterval(configuration.refreshTokenTTLDays) * 86_400,
                                     maxFailuresPerAccount: configuration.loginMaxFailuresPerAccount,
                                     maxFailuresPerAddress: configuration.loginMaxFailuresPerAddress)
        let vault = CryptoSecretVault()
        let mailer = RecordingMailer(outbox: store.mailOutbox, logger: logger)
        let accounts = AccountService(store: store, hasher: BcryptPasswordHasher(cost: UInt8(configuration.bcryptCost)), vault: vault,
                                      tokens: await JWTAccessTokenIssuer(secret: secret), mailer: mailer, configuration: auth)
        let services = ChamberServices(store: store, accounts: accounts,
                                       chambers: ChamberService(store: store, vault: vault, mailer: mailer, configuration: auth),
                                       businesses: BusinessService(store: store))
        return ChamberNode(configuration: configuration, database: database, store: store, services: services,
                           metrics: Observability.metricsRegistry, logger: logger)
    }

    /// The HTTP application. Running it runs the database pool (PostgreSQL), migrates, seeds the demo if asked,
    /// then serves until SIGTERM or SIGINT, when it stops accepting and finishes in-flight requests.
    public func makeApplication() -> some ApplicationProtocol {
        let router = buildRouter(services: services, metrics: metrics, version: Self.version)
        var services: [any Service] = []
        if let service = database as? any Service { services.append(service) }
        var app = Application(router: router,
                              configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "chamberconnect"),
                              services: services, logger: logger)
        let node = self
        app.beforeServerStarts {
            try await node.prepare()
        }
        return app
    }

    /// Migrates, and seeds the demo chamber when configured to.
    public func prepare() async throws {
        let applied = try await Migrator(database: database, logger: logger).migrate()
        if !applied.isEmpty { logger.info("database migrated", metadata: ["migrations": "\(applied)"]) }
        if configuration.demo {
            let chamber = try await DemoSeeder(store: store, accounts: services.accounts).seed()
            logger.info("demo chamber ready", metadata: ["chamber.id": "\(chamber.id)", "demo.password": "\(DemoSeeder.password)"])
        }
    }

    /// Runs `body` with the database ready to answer (starting PostgreSQL's pool for the duration), for commands.
    /// The database is closed afterwards.
    public func withDatabase<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard let pool = database as? PostgresDatabase else {
            do {
                let result = try await body()
                try await database.close()
                return result
            } catch {
                try? await database.close()
                throw error
            }
        }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await pool.run()
                return nil
            }
            defer { group.cancelAll() }
            let result = try await body()
            return result
        }
    }

    /// With SQLite and no configured secret, one is made once and kept beside the data, so tokens survive restarts.
    static func loadOrCreateSecret(at path: String, logger: Logger) throws -> String {
        if let data = FileManager.default.contents(atPath: path), let secret = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
           secret.utf8.count >= 32 {
            return secret
        }
        let secret = CryptoSecretVault().newSecret() + CryptoSecretVault().newSecret()
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown)
            }
        } catch {
            throw ConfigurationError(key: "auth.jwt_secret_file", "cannot write '\(path)': \(error); make its folder writable or set auth.jwt_secret")
        }
        logger.notice("created a token signing secret", metadata: ["path": "\(path)"])
        return secret
    }
}

/// Process-wide observability set-up.
public enum Observability {
    /// The Prometheus registry behind swift-metrics; bootstrapped once per process on first use.
    public static let metricsRegistry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// One line per event on standard error, at `level`.
    public static func bootstrapLogging(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
