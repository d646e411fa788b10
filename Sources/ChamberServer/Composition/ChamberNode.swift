import AsyncHTTPClient
import ChamberDomain
import ChamberHTTP
import ChamberNotify
import ChamberRealtime
import ChamberRedis
import ChamberSignIn
import ChamberStorage
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The composition root: builds a whole node (database, store, services, HTTP application) from a configuration.
/// This is the only place that knows every adapter.
public struct ChamberNode: Sendable {
    public static let version = "0.1.0"

    public let configuration: ServerConfiguration
    public let database: any SQLDatabase
    public let store: SQLStore
    public let services: ChamberServices
    public let realtime: RealtimeServices
    public let membership: MembershipServices
    public let events: EventServices
    public let metrics: PrometheusCollectorRegistry
    let logger: Logger
    /// Notifies stored messages in the background (every node runs one).
    let notificationWorker: NotificationWorker
    /// Sends the push outbox in the background (every node runs one).
    let pushWorker: OutboxWorker
    /// Sends the mail outbox in the background (every node runs one).
    let mailWorker: OutboxWorker
    /// Writes the e-mails owed for unread notifications into the mail outbox (every node runs one).
    let notificationEmailWorker: OutboxWorker
    /// Posts chambers' webhook deliveries (every node runs one).
    let webhookWorker: OutboxWorker
    /// Records the notices that nodes which stopped after their changes left owed, and retries those that failed
    /// (every node runs one).
    let noticeWorker: OutboxWorker
    let standingJob: PeriodicJob
    /// Members' last-seen times, noted in memory and written by `activityJob`.
    public let activity: MemberActivity
    let activityJob: PeriodicJob
    /// Folds the directory's noted changes into each chamber's revision.
    let directoryJob: PeriodicJob
    /// Ends offers and payments that ran out, offers free seats, completes events that ended.
    let eventJob: PeriodicJob
    /// Prepares members' data exports in the background, and removes them when their time is up.
    let exportJob: PeriodicJob
    /// Archives and removes messages and audit entries past their chambers' retention, and files uploaded for
    /// messages that none named within a day.
    let retentionJob: PeriodicJob
    /// Set once the database is migrated: the background workers wait for it.
    let prepared: PreparedFlag
    /// The time every service reads: the database's, carried forward by the monotonic clock.
    public let clock: NodeClock
    /// Reads the database's clock again now and then.
    let clockJob: PeriodicJob
    /// The API description served at `/docs`, read and rendered once.
    let docs: APIDocsPage?
    /// The web app's files, read once.
    let web: WebAppFiles?
    /// The certificate and key the node serves TLS with, when it terminates TLS itself; read again on SIGHUP.
    let tls: ServerTLS?

    /// Opens the database and wires the services. Nothing runs yet: see ``makeApplication()`` and ``withDatabase(_:)``.
    public static func assemble(_ configuration: ServerConfiguration, logger: Logger) async throws -> ChamberNode {
        // First: metrics made before swift-metrics is bootstrapped stay on its no-op backend for good (the hub's
        // counters were missing from /metrics that way).
        let metrics = Observability.metricsRegistry
        let location: DatabaseLocation
        do {
            location = try DatabaseLocation(url: configuration.databaseURL)
        } catch {
            throw ConfigurationError(key: "database.url", "\(error)")
        }
        let database = try await StoreFactory.open(
            location, maxConnections: configuration.databaseMaxConnections,
            preparedStatements: configuration.databasePreparedStatements, sqliteSynchronous: configuration.sqliteSynchronous, logger: logger)
        let secret = try configuration.jwtSecret ?? loadOrCreateSecret(at: configuration.jwtSecretFile, logger: logger)
        // Keys named in the configuration seal; the key derived from the token secret still opens what it sealed before.
        let cipher = AESGCMSecretCipher(
            keys: configuration.encryptionKeys.map { AESGCMSecretCipher.Key(id: $0.id, bytes: $0.bytes) }
                + AESGCMSecretCipher.Key.derived(from: secret))
        let store = SQLStore(database: database, fields: SealedFields(cipher: cipher))
        let clock = NodeClock()
        let now: @Sendable () -> Date = { clock.now() }
        let auth = AuthConfiguration(
            accessTokenLifetime: TimeInterval(configuration.accessTokenTTLSeconds),
            refreshTokenLifetime: TimeInterval(configuration.refreshTokenTTLDays) * 86_400,
            maxFailuresPerAccount: configuration.loginMaxFailuresPerAccount,
            maxFailuresPerAddress: configuration.loginMaxFailuresPerAddress, maxRegistrationsPerAddress: configuration.registerMaxPerAddress,
            maxResetRequestsPerAccount: configuration.passwordResetMaxPerAccount, webAppURL: configuration.publicURL)
        let vault = CryptoSecretVault()
        let unsubscribe = EmailUnsubscribe(
            store: store, signer: HMACTextSigner(secret: secret, purpose: "unsubscribe links"), publicURL: configuration.publicURL, now: now)
        let prepared = PreparedFlag()
        let mailDispatcher = try MailTransports.dispatcher(configuration, outbox: store.mailOutbox, logger: logger, now: now)
        let mailOutbox = store.mailOutbox
        let mailWorker = OutboxWorker(
            .init(
                name: "mail", dispatch: { try await mailDispatcher.dispatch() }, nextDue: { try await mailOutbox.nextDue() },
                prune: { now in try await mailOutbox.prune(finishedBefore: now.addingTimeInterval(-Self.keepMail)) }),
            sweep: .milliseconds(configuration.mailSweepMs), logger: logger, now: now
        ) { prepared.isSet }
        let mailer = QueuedMailer(outbox: mailOutbox, queued: { mailWorker.poke() }, now: now)
        let hasher = BcryptPasswordHasher(cost: UInt8(configuration.bcryptCost))
        let tokens = await JWTAccessTokenIssuer(secret: secret, now: now)
        let hub = try makeHub(configuration, store: store, logger: logger)
        let activity = MemberActivity(store: store)
        let accounts = AccountService(
            store: store, hasher: hasher, vault: vault, tokens: tokens, mailer: mailer, cipher: cipher, authenticator: CryptoMessageAuthenticator(),
            configuration: auth, observer: hub, now: now)
        let loadTests = LoadTestService(
            store: SQLLoadTestStore(database: database), hasher: hasher, vault: vault, tokens: tokens,
            configuration: LoadTestConfiguration(enabled: configuration.loadTestEnabled, maxAccounts: configuration.loadTestMaxAccounts), now: now)
        let dispatcher = try PushProviders.dispatcher(configuration, outbox: store.pushOutbox, logger: logger, now: now)
        let webhookOutbox = store.webhookOutbox
        let webhookDispatcher = WebhookDispatcher(
            outbox: webhookOutbox, transport: WebhookHTTPTransport(),
            schedule: WebhookDispatcher.schedule(base: TimeInterval(configuration.webhookRetryBaseSeconds)), now: now)
        let webhookWorker = OutboxWorker(
            .init(
                name: "webhook", dispatch: { try await webhookDispatcher.dispatch() }, nextDue: { try await webhookOutbox.nextDue() },
                prune: { now in try await webhookOutbox.prune(finishedBefore: now.addingTimeInterval(-Self.keepWebhookDeliveries)) }),
            sweep: .seconds(1), logger: logger, now: now
        ) { prepared.isSet }
        let attendanceBoard = EventAttendanceBoard(store: store, announcer: hub)
        let pushOutbox = store.pushOutbox
        let pushWorker = OutboxWorker(
            .init(
                name: "push", dispatch: { try await dispatcher.dispatch() }, nextDue: { try await pushOutbox.nextDue() },
                prune: { now in
                    try await pushOutbox.prune(
                        finishedBefore: now.addingTimeInterval(-Self.keepFinishedPushes),
                        deadLettersBefore: now.addingTimeInterval(-Self.keepDeadLetters))
                }),
            lanes: PushProviders.lanes(configuration), sweep: .milliseconds(configuration.pushSweepMs), logger: logger, now: now
        ) { prepared.isSet }
        let notices = NoticeNotifier(
            store: store, delivery: hub, pushesQueued: { pushWorker.poke() }, mailQueued: { mailWorker.poke() }, now: now)
        let noticeOutbox = store.noticeOutbox
        let noticeWorker = OutboxWorker(
            .init(name: "notice", dispatch: { try await notices.deliverDue() }, nextDue: { try await noticeOutbox.nextDue() }, prune: { _ in 0 }),
            sweep: .seconds(10), logger: logger, now: now
        ) { prepared.isSet }
        let services = ChamberServices(
            store: store, accounts: accounts,
            billing: BillingService(
                store: store, provider: try PaymentProviders.provider(configuration), mailer: mailer, attendanceBoard: attendanceBoard,
                membershipObserver: hub, notices: notices, now: now),
            paymentWebhooks: try PaymentProviders.webhooks(configuration),
            chambers: ChamberService(store: store, vault: vault, mailer: mailer, configuration: auth, observer: hub, activity: activity, now: now),
            businesses: BusinessService(store: store, now: now), devices: DeviceService(store: store, tester: dispatcher, now: now),
            pushes: PushAdminService(store: store, delivers: dispatcher.delivers(to:)), loadTests: loadTests, emailUnsubscribe: unsubscribe,
            webhooks: WebhookService(
                store: store, vault: vault, allowInsecureURLs: configuration.webhooksAllowInsecureURLs, queued: { webhookWorker.poke() },
                now: now),
            apiKeys: ApiKeyService(
                store: store, vault: vault, perKeyPerMinute: configuration.apiKeyRatePerMinute,
                perAddressPerMinute: configuration.apiKeyRatePerAddressPerMinute, counter: try rateCounter(configuration, logger: logger), now: now),
            signIn: SignInService(
                store: store, client: OpenIDConnectClient(http: HTTPClient.shared), accounts: accounts, vault: vault,
                providers: try SignInProviders.load(configuration), now: now))
        let emails = NotificationEmailDispatcher(store: store, unsubscribe: unsubscribe, now: now, mailQueued: { mailWorker.poke() })
        let notificationEmails = store.notificationEmails
        let notificationEmailWorker = OutboxWorker(
            .init(
                name: "notification e-mail", dispatch: { try await emails.dispatch() }, nextDue: { try await notificationEmails.nextDue() },
                prune: { _ in 0 }),
            sweep: .milliseconds(configuration.mailSweepMs), logger: logger, now: now
        ) { prepared.isSet }
        let worker = NotificationWorker(
            fanout: NotificationFanout(
                store: store, delivery: hub, now: now,
                pushes: PushHandOff(
                    claim: { dispatcher.newClaim(at: $0) },
                    send: { pushes, claim in pushWorker.send { try await dispatcher.send(pushes, claim: claim) } },
                    wake: { pushWorker.poke() }),
                emailDelay: TimeInterval(configuration.notificationEmailDelaySeconds)),
            sweep: .milliseconds(configuration.notificationSweepMs),
            logger: logger
        ) { prepared.isSet }
        let fileBytes = try FileStores.make(configuration, logger: logger)
        let files = FileService(
            records: store.files, bytes: fileBytes,
            signer: HMACTextSigner(secret: secret, purpose: "file links"), hasher: CryptoContentHasher(),
            limits: FileLimits(maxBytes: configuration.filesMaxBytes, linkLifetime: TimeInterval(configuration.fileLinkSeconds)), now: now)
        let realtime = try makeRealtime(
            configuration, hub: hub, store: store, files: files, services: services, worker: worker, now: now, logger: logger)
        let categories = try businessCategories(configuration)
        // A kept answer must hold committed rows only: where reads see open transactions, nothing is kept.
        let directoryCacheBusinesses = location.readsSeeOpenTransactions ? 0 : configuration.directoryCacheBusinesses
        let membership = MembershipServices(
            tiers: TierService(store: store, now: now),
            applications: MembershipApplicationService(
                store: store, files: files, chat: realtime.chat, mailer: mailer, categories: categories, now: now),
            standings: MembershipStandingService(store: store, mailer: mailer, observer: hub, billing: services.billing, notices: notices, now: now),
            seats: BusinessSeatService(store: store, observer: hub, now: now),
            directory: DirectoryService(store: store, cache: DirectorySearchCache(businesses: directoryCacheBusinesses)),
            files: files, records: MemberRecordsService(store: store, categories: categories, now: now),
            engagement: EngagementService(store: store, now: now),
            privacy: PrivacyService(
                store: store, files: fileBytes, mailer: mailer, accounts: accounts, sessionObserver: hub, membershipObserver: hub, now: now),
            retention: RetentionService(store: store, files: fileBytes, now: now))
        let eventService = EventService(
            store: store, mailer: mailer, chat: realtime.chat, billing: services.billing, attendanceBoard: attendanceBoard, now: now)
        let checkInSigner = HMACTextSigner(secret: secret, purpose: "check-in codes")
        let events = EventServices(
            events: eventService, registrations: RegistrationService(store: store, events: eventService, signer: checkInSigner, now: now),
            door: DoorService(store: store, events: eventService, signer: checkInSigner, now: now),
            upkeep: EventUpkeep(store: store, events: eventService, now: now),
            reports: EventReportService(store: store, events: eventService, now: now))
        let standingJob = PeriodicJob(
            name: "membership standing job", every: .seconds(configuration.standingSweepSeconds), logger: logger, ready: { prepared.isSet }
        ) {
            // Dates first (who fell into grace or lapsed), then the dues that fall due, their reminders and fees.
            let moved = try await membership.standings.sweep()
            return moved + (try await services.billing.runDues())
        }
        return ChamberNode(
            configuration: configuration, database: database, store: store, services: services, realtime: realtime, membership: membership,
            events: events, metrics: metrics, logger: logger, notificationWorker: worker, pushWorker: pushWorker, mailWorker: mailWorker,
            notificationEmailWorker: notificationEmailWorker, webhookWorker: webhookWorker, noticeWorker: noticeWorker, standingJob: standingJob,
            activity: activity,
            activityJob: PeriodicJob(
                name: "member activity", every: .seconds(Self.activityFlushSeconds), logger: logger, ready: { prepared.isSet }
            ) { try await activity.flush() },
            directoryJob: PeriodicJob(
                name: "directory upkeep", every: .seconds(Self.directoryCompactionSeconds), logger: logger, ready: { prepared.isSet }
            ) {
                // Routine, and every ten seconds: not worth a log line. After an upgrade, search texts of an older
                // version are written again, a batch per run.
                _ = try await membership.directory.compactRevisions()
                return try await membership.directory.reindexSearchTexts()
            },
            eventJob: PeriodicJob(
                name: "event upkeep", every: .seconds(configuration.eventSweepSeconds), logger: logger, ready: { prepared.isSet }
            ) { try await events.upkeep.run() },
            exportJob: PeriodicJob(
                name: "data exports", every: .seconds(Self.exportSweepSeconds), logger: logger, ready: { prepared.isSet }
            ) { try await membership.privacy.runExports() },
            retentionJob: PeriodicJob(
                name: "retention", every: .seconds(configuration.retentionSweepSeconds), logger: logger, ready: { prepared.isSet }
            ) {
                // Each on its own: a failed retention sweep does not keep unsent files, nor the reverse.
                var changed = 0
                var failure: (any Error)?
                do { changed += try await membership.retention.run() } catch { failure = error }
                changed += try await files.removeUnsentAttachments()
                if let failure { throw failure }
                return changed
            }, prepared: prepared, clock: clock,
            clockJob: PeriodicJob(name: "clock", every: .seconds(Self.clockReadingSeconds), logger: logger, ready: { prepared.isSet }) {
                try await synchronize(clock, with: database, logger: logger)
                return 0
            }, docs: try apiDocs(configuration),
            web: try webApp(configuration), tls: try serverTLS(configuration))
    }

    /// How often a node reads the database's clock (``NodeClock``).
    static let clockReadingSeconds = 60

    /// Reads the database's clock into `clock`, and says so when the host's clock is more than a second off.
    static func synchronize(_ clock: NodeClock, with database: any SQLDatabase, logger: Logger) async throws {
        guard try await clock.synchronize(reading: { try await database.readClock() }) else {
            logger.notice("a reading of the database's clock took over a second; the node's time goes on from the last one")
            return
        }
        let offset = clock.offset
        Gauge(label: "chamber_clock_offset_seconds").record(offset)
        if abs(offset) > 1 {
            logger.warning(
                "this host's clock is off the database's; the node keeps the database's time",
                metadata: ["offset.seconds": "\(String(format: "%.3f", offset))"])
        }
    }

    /// How often a node looks for members' data exports to prepare, and prepared ones whose time is up.
    static let exportSweepSeconds = 5
    /// How often a node writes down when members were last seen.
    static let activityFlushSeconds = 30
    /// How often a node folds the directory's changes into revisions: reading a revision counts what is not folded yet.
    static let directoryCompactionSeconds = 10

    /// Finished pushes are kept this long for the counts; dead letters longer, for admins to look into.
    static let keepFinishedPushes: TimeInterval = 7 * 86_400
    static let keepDeadLetters: TimeInterval = 30 * 86_400
    /// Mails that ended are kept this long, for support.
    static let keepMail: TimeInterval = 30 * 86_400
    /// Webhook deliveries that ended are kept this long, for admins to look into and send again.
    static let keepWebhookDeliveries: TimeInterval = 30 * 86_400

    /// The hub on its broker: in-process (one node) or Redis (a cluster).
    static func makeHub(_ configuration: ServerConfiguration, store: SQLStore, logger: Logger) throws -> Hub {
        var hubConfiguration = HubConfiguration()
        hubConfiguration.outboundQueueBytes = configuration.outboundQueueBytes
        hubConfiguration.inboundFramesPerSecond = configuration.inboundFramesPerSecond
        hubConfiguration.inboundBurst = max(configuration.inboundFramesPerSecond * 3, 10)
        hubConfiguration.authTimeoutSeconds = configuration.authTimeoutSeconds
        hubConfiguration.tokenGraceSeconds = configuration.tokenGraceSeconds
        hubConfiguration.pingIntervalSeconds = configuration.pingIntervalSeconds
        let address = "\(configuration.host):\(configuration.port)"
        hubConfiguration.nodeID = (configuration.nodeName ?? address) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        hubConfiguration.nodeAddress = configuration.advertisedAddress ?? address
        hubConfiguration.heartbeatIntervalMs = configuration.heartbeatMs
        hubConfiguration.nodeTimeoutMs = configuration.nodeTimeoutMs
        let broker: any Broker
        switch configuration.brokerKind {
        case .inProcess:
            broker = InProcessBroker()
        case .redis:
            var options = RedisBroker.Options()
            options.prefix = configuration.redisPrefix
            do {
                broker = RedisBroker(endpoint: try RedisEndpoint(url: configuration.redisURL ?? ""), options: options, logger: logger)
            } catch {
                throw ConfigurationError(key: "broker.redis_url", error.message)
            }
        }
        return Hub(
            configuration: hubConfiguration, broker: broker,
            eventSource: { chamber, channel, after, limit in
                try await store.scoped(to: chamber).messages.events(channel, after: after, limit: limit)
            }, logger: logger)
    }

    static func makeRealtime(
        _ configuration: ServerConfiguration, hub: Hub, store: SQLStore, files: FileService, services: ChamberServices, worker: NotificationWorker,
        now: @escaping @Sendable () -> Date, logger: Logger
    ) throws -> RealtimeServices {
        let policies = try moderationPolicies(configuration, store: store)
        let publisher = NotifyingPublisher(hub: hub, worker: worker)
        let feed = NotificationFeedService(store: store, delivery: hub, now: now)
        let chat = ChatService(
            store: store, files: files, publisher: publisher, moderation: policies, queue: ReviewQueueAnnouncer(store: store, notifier: hub),
            refused: { code in Counter(label: "chamber_moderation_refusals_total", dimensions: [("code", code.rawValue)]).increment() },
            readObserver: feed,
            limits: ChatLimits(maxRecoveryEvents: configuration.maxRecoveryEvents), now: now)
        let moderation = ModerationService(store: store, chat: chat, publisher: publisher, notifier: hub, policies: policies, now: now)
        return RealtimeServices(
            hub: hub, chat: chat, moderation: moderation, notificationPreferences: NotificationPreferencesService(store: store, chat: chat, now: now),
            notificationFeed: feed,
            endpoint: WebSocketEndpoint(
                hub: hub, services: services, chat: chat, moderation: moderation,
                conformanceEcho: configuration.conformanceEcho, logger: logger))
    }

    /// The moderation pipeline from `Config/moderation/`: the rules file and the word list. A rule that cannot
    /// work stops the node at start with the field at fault.
    public static func moderationPipeline(_ configuration: ServerConfiguration) throws -> ModerationPipeline {
        try moderationPolicies(configuration, store: nil).defaultPolicy.pipeline
    }

    /// Every chamber's moderation: the configured defaults, with the settings chambers keep in `store`.
    static func moderationPolicies(_ configuration: ServerConfiguration, store: (any Store)?) throws -> ModerationPolicies {
        let (settings, words) = try moderationRules(configuration)
        do {
            return try ModerationPolicies(defaults: settings, words: words, store: store)
        } catch {
            throw ConfigurationError(key: "moderation.rules_file", "\(error.field ?? "rules"): \(error.message)")
        }
    }

    /// The category list applicants choose from, as configured; none without a file.
    static func businessCategories(_ configuration: ServerConfiguration) throws -> [BusinessCategory] {
        guard let file = configuration.categoriesFile else { return [] }
        guard let data = FileManager.default.contents(atPath: file),
            let categories = try? JSONDecoder().decode([BusinessCategory].self, from: data), !categories.isEmpty
        else {
            throw ConfigurationError(key: "membership.categories_file", "cannot read '\(file)' as a list of {\"code\", \"name\"}")
        }
        return categories
    }

    /// Where API keys' uses are counted: across the cluster in Redis when the node runs with it, else on this node.
    static func rateCounter(_ configuration: ServerConfiguration, logger: Logger) throws -> any RateCounter {
        guard configuration.brokerKind == .redis else { return LocalRateCounter() }
        do {
            return RedisRateCounter(
                endpoint: try RedisEndpoint(url: configuration.redisURL ?? ""), prefix: configuration.redisPrefix, logger: logger)
        } catch {
            throw ConfigurationError(key: "broker.redis_url", error.message)
        }
    }

    /// The API description as configured, rendered for `/docs`.
    static func apiDocs(_ configuration: ServerConfiguration) throws -> APIDocsPage? {
        guard let file = configuration.openAPIFile else { return nil }
        guard let data = FileManager.default.contents(atPath: file), let page = try? APIDocsPage(yaml: String(decoding: data, as: UTF8.self))
        else { throw ConfigurationError(key: "docs.openapi_file", "cannot read '\(file)' as an OpenAPI document") }
        return page
    }

    /// The web app's folder as configured, read for serving.
    static func webApp(_ configuration: ServerConfiguration) throws -> WebAppFiles? {
        guard let folder = configuration.webRoot else { return nil }
        do {
            return try WebAppFiles(folder: folder)
        } catch {
            throw ConfigurationError(key: "web.root", error.message)
        }
    }

    /// The rules file and the word list as configured.
    static func moderationRules(_ configuration: ServerConfiguration) throws -> (ModerationSettings, [String]) {
        var words: [String] = []
        if let file = configuration.wordListFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigurationError(key: "moderation.word_list_file", "cannot read '\(file)'")
            }
            words = text.components(separatedBy: .newlines)
        }
        var settings = ModerationSettings()
        if let file = configuration.moderationRulesFile {
            settings = try ModerationRulesFile.load(file)
        }
        settings.wordListAction = configuration.wordListAction
        // Words written in the rules file join the word list file's.
        words += settings.words ?? []
        settings.words = nil
        return (settings, words)
    }

    /// The HTTP application. Running it runs the database pool (PostgreSQL), migrates, seeds the demo if asked,
    /// then serves until SIGTERM or SIGINT, when it stops accepting and finishes in-flight requests.
    /// - Parameter onServerRunning: called with the listening channel once connections are accepted (where a test
    ///   learns the port it was given).
    public func makeApplication(onServerRunning: @escaping @Sendable (any NIOCore.Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        makeApplication(
            services: ([database as? any Service] + backgroundServices + [realtime.hub]).compactMap { $0 }, onServerRunning: onServerRunning)
    }

    /// The workers and jobs every node runs beside the server: they stop after it stops taking requests, before the
    /// database closes.
    private var backgroundServices: [any Service] {
        [
            notificationWorker, pushWorker, mailWorker, notificationEmailWorker, webhookWorker, noticeWorker, standingJob, activityJob, directoryJob,
            eventJob, exportJob, retentionJob, clockJob,
        ]
    }

    private func makeApplication(
        services: [any Service], onServerRunning: @escaping @Sendable (any NIOCore.Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = buildRouter(
            services: self.services, realtime: realtime, membership: membership, events: events, metrics: metrics, version: Self.version,
            docs: docs,
            web: WebApp(files: web, demo: configuration.demo, webPushPublicKey: try? PushProviders.vapid(configuration)?.publicKey),
            metricsToken: configuration.metricsToken, trustedProxies: configuration.trustedProxies, crossOrigin: configuration.crossOrigin,
            strictTransportSecurity: tls != nil || configuration.publicURL?.hasPrefix("https://") == true)
        let endpoint = realtime.endpoint
        var app = Application(
            router: router,
            // Idle HTTP connections are closed after a while, so one that never sends a request cannot hold up
            // a graceful shutdown (upgraded sockets have their own pings and are drained by the hub).
            server: endpoint.server(
                limits: ConnectionLimits(
                    idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)),
                    requestHeadTimeout: .seconds(Int64(configuration.requestHeadTimeoutSeconds)),
                    perAddress: configuration.maxConnectionsPerAddress, trustedProxies: configuration.trustedProxies),
                tls: tls),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "chamberconnect"),
            services: services, onServerRunning: onServerRunning, logger: logger)
        let node = self
        app.beforeServerStarts {
            try await node.prepare()
        }
        return app
    }

    /// Runs the node until SIGTERM or SIGINT. Shutdown goes in reverse order: the hub drains first (sockets closed
    /// with 1001 in batches, queued frames written), then the HTTP server stops, then the database closes.
    public func run() async throws {
        let reload = tls.map { ReloadOnHangUp(tls: $0, logger: logger) }
        defer { reload?.cancel() }
        let app = makeApplication(services: [])
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let database = database as? any Service { services.append(.init(service: database)) }
        // Stops before the database closes, after the server stopped taking sends.
        services += backgroundServices.map { .init(service: $0) }
        services.append(.init(service: app))
        // Last, so it shuts down first: the hub drains its sockets (1001) while the server still answers.
        services.append(.init(service: realtime.hub))
        var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A peer that never finishes (say, a TCP connection that never sends a request) must not hold the node
        // forever: after this long the remaining services are cancelled.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(20)
        try await ServiceGroup(configuration: groupConfiguration).run()
    }

    /// The node's TLS, when `server.tls_certificate_file` and `server.tls_key_file` are set.
    static func serverTLS(_ configuration: ServerConfiguration) throws -> ServerTLS? {
        guard let certificate = configuration.tlsCertificateFile, let key = configuration.tlsKeyFile else { return nil }
        do {
            return try ServerTLS(certificateFile: certificate, keyFile: key)
        } catch {
            throw ConfigurationError(key: error.file == key ? "server.tls_key_file" : "server.tls_certificate_file", error.description)
        }
    }

    /// Migrates, and seeds the demo chamber when configured to.
    public func prepare() async throws {
        let applied = try await migrate()
        if !applied.isEmpty { logger.info("database migrated", metadata: ["migrations": "\(applied)"]) }
        // Before the workers start: they take leases other nodes judge by the database's time.
        do {
            try await Self.synchronize(clock, with: database, logger: logger)
        } catch {
            logger.warning("could not read the database's clock; the host's stands in until the next reading", metadata: ["error": "\(error)"])
        }
        prepared.set()
        if configuration.demo {
            let chamber = try await DemoSeeder(store: store, accounts: services.accounts, chat: realtime.chat, now: { clock.now() }).seed()
            logger.info("demo chamber ready", metadata: ["chamber.id": "\(chamber.id)", "demo.password": "\(DemoSeeder.password)"])
        }
    }

    /// Applies the pending migrations, then seals what is stored unsealed or under a key other than the sealing one
    /// (``SealedFieldsUpkeep``). Returns the migrations applied.
    ///
    /// A value no configured key opens is left and logged: the node serves everything else, and
    /// `chamberconnect reseal` fails until the key that sealed it is configured again.
    public func migrate() async throws -> [Int] {
        let applied = try await Migrator(database: database, logger: logger).migrate()
        let report = try await SealedFieldsUpkeep(database: database, fields: store.fields).run()
        if report.total > 0 {
            logger.info(
                "sealed fields sealed again",
                metadata: [
                    "key": "\(store.fields.cipher.sealingKeyID)", "business_tax_ids": "\(report.businessTaxIDs)",
                    "application_tax_ids": "\(report.applicationTaxIDs)", "two_factor_secrets": "\(report.twoFactorSecrets)",
                ])
        }
        if report.unopenable > 0 {
            logger.warning(
                "sealed fields that no key in security.encryption_keys opens: configure the key that sealed them again",
                metadata: ["count": "\(report.unopenable)"])
        }
        return applied
    }

    /// Runs `body` with the database ready to answer (starting PostgreSQL's pool for the duration), for commands.
    /// The database is closed afterwards.
    public func withDatabase<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await database.whileRunning(body)
    }

    /// With SQLite and no configured secret, one is made once and kept beside the data, so tokens survive restarts.
    static func loadOrCreateSecret(at path: String, logger: Logger) throws -> String {
        if FileManager.default.fileExists(atPath: path) { try ConfigurationLoader.requirePrivate(path, key: "auth.jwt_secret_file") }
        if let data = FileManager.default.contents(atPath: path),
            let secret = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            secret.utf8.count >= 32
        {
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

/// A one-way flag: false until set, then true for good.
final class PreparedFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
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
