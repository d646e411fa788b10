import ChamberDomain
import ChamberHTTP
import ChamberJSON
import ChamberRealtime
import ChamberRedis
import ChamberStorage
import Configuration
import Foundation
import Logging

/// Reads ``ServerConfiguration`` through swift-configuration from a JSON file, the environment and flags, and
/// validates it: every refusal names the key, where its value came from, and the fix.
public enum ConfigurationLoader {
    /// - Parameters:
    ///   - file: a JSON file to read; `nil` reads `chamberconnect.json` of the shipped defaults (``DefaultFiles``)
    ///     if present.
    ///   - environment: usually `ProcessInfo.processInfo.environment`.
    ///   - overrides: values from command-line flags, by key.
    ///   - defaults: where the shipped defaults are (found from the environment, the working directory and the
    ///     executable when not given).
    public static func load(
        file: String?, environment: [String: String], overrides: [String: ConfigValue] = [:],
        defaults: DefaultFiles? = nil
    ) async throws -> ServerConfiguration {
        let defaults = defaults ?? DefaultFiles.locate(environment: environment)
        let path = file ?? defaults.configFile
        let written = try path.map(ConfigurationSources.checkedFileKeys) ?? [:]
        for key in overrides.keys where !ServerConfiguration.keys.contains(key) {
            throw ConfigurationError(key: key, "unknown key")
        }
        let sources: ConfigurationSources
        do {
            sources = try await ConfigurationSources(file: path, environment: environment, overrides: overrides)
        } catch {
            throw ConfigurationError(key: "--config", "cannot read '\(path ?? "")': \(error)")
        }
        var configuration = try build(Values(sources: sources, written: written), defaults: defaults)
        configuration.configFile = path
        return configuration
    }

    /// Typed reads of one key, turning a value of the wrong kind into a refusal that names it and its source.
    ///
    /// The file's reader converts between JSON's kinds (it took the number 36 for true) where an environment variable
    /// with the same text is refused: a value from the file must be of the kind the key takes, as written, so that a
    /// setting means the same wherever it is set.
    struct Values {
        let sources: ConfigurationSources
        /// The file's values by key, as written.
        let written: [String: WireJSON]

        func string(_ key: String) throws -> String? {
            guard let origin = sources.origin(of: key) else { return nil }
            do {
                return try sources.reader.requiredString(forKey: ConfigKey(key))
            } catch {
                throw ConfigurationError(key: key, "\(origin.text) from \(origin.source) must be text (in quotes in a JSON file)")
            }
        }

        func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let origin = sources.origin(of: key) else { return nil }
            let problem = ConfigurationError(
                key: key, "'\(origin.text)' from \(origin.source) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            if origin.inFile {
                guard case .number(let text) = written[key], Int(text) != nil else { throw problem }
            }
            guard let value = try? sources.reader.requiredInt(forKey: ConfigKey(key)), range.contains(value) else { throw problem }
            return value
        }

        func bool(_ key: String) throws -> Bool? {
            guard let origin = sources.origin(of: key) else { return nil }
            let problem = ConfigurationError(key: key, "'\(origin.text)' from \(origin.source) must be true or false")
            if origin.inFile {
                guard case .bool = written[key] else { throw problem }
            }
            do {
                return try sources.reader.requiredBool(forKey: ConfigKey(key))
            } catch {
                throw problem
            }
        }

        func source(_ key: String) -> String { sources.origin(of: key)?.source ?? "the defaults" }
    }

    static func build(_ values: Values, defaults: DefaultFiles) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        func string(_ key: String) throws -> String? { try values.string(key) }
        func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int? { try values.int(key, range) }
        func bool(_ key: String) throws -> Bool? { try values.bool(key) }

        if let host = try string("server.host") {
            guard !host.isEmpty else { throw ConfigurationError(key: "server.host", "must not be empty; use 127.0.0.1 to listen on loopback only") }
            configuration.host = host
        }
        if let port = try int("server.port", 0...65535) { configuration.port = port }
        if let value = try int("server.idle_timeout_seconds", 1...3600) { configuration.idleTimeoutSeconds = value }
        if let value = try int("server.request_head_timeout_seconds", 1...600) { configuration.requestHeadTimeoutSeconds = value }
        if let value = try int("server.max_connections_per_address", 0...1_000_000) { configuration.maxConnectionsPerAddress = value }
        /// A comma-separated setting read by `parse`; a refused entry is named with `hint`.
        func list<T>(_ key: String, hint: String, _ parse: ([String]) throws(ListEntryRefusal) -> T) throws -> T? {
            guard let value = try string(key) else { return nil }
            do {
                return try parse(value.split(separator: ",").map(String.init))
            } catch {
                throw ConfigurationError(key: key, "'\(error.entry)' \(error.reason); \(hint)")
            }
        }
        if let policy = try list("server.cors_allowed_origins", hint: "or *", CrossOriginPolicy.init(parsing:)) {
            configuration.crossOrigin = policy
        }
        if let proxies = try list(
            "server.trusted_proxies", hint: "write addresses and blocks such as 127.0.0.1, 10.0.0.0/8, ::1", TrustedProxies.init(parsing:))
        {
            configuration.trustedProxies = proxies
        }
        if let url = try string("database.url") {
            let lowered = url.lowercased()
            guard lowered.hasPrefix("sqlite:") || lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") else {
                throw ConfigurationError(
                    key: "database.url",
                    "'\(redactedURL(url))' from \(values.source("database.url")) must start with sqlite:// (embedded, e.g. sqlite://data/chamberconnect.sqlite) or postgres:// (e.g. postgres://chamber:secret@127.0.0.1:5432/chamberconnect)"
                )
            }
            configuration.databaseURL = url
        }
        if let value = try int("database.max_connections", 1...1000) { configuration.databaseMaxConnections = value }
        if let value = try int("database.prepared_statements", 0...100_000) { configuration.databasePreparedStatements = value }
        if let value = try string("storage.sqlite.synchronous") {
            guard let parsed = SQLiteSynchronous(rawValue: value) else {
                throw ConfigurationError(
                    key: "storage.sqlite.synchronous",
                    "'\(value)' from \(values.source("storage.sqlite.synchronous")) must be 'full' (an acknowledged message survives a power cut) or 'normal' (it survives a crash of the server only)"
                )
            }
            configuration.sqliteSynchronous = parsed
        }
        if let kind = try string("broker.kind") {
            guard let parsed = ServerConfiguration.BrokerKind(rawValue: kind) else {
                throw ConfigurationError(key: "broker.kind", "'\(kind)' must be 'in-process' (one node) or 'redis' (a cluster)")
            }
            configuration.brokerKind = parsed
        }
        if let url = try string("broker.redis_url") {
            do {
                _ = try RedisEndpoint(url: url)
            } catch {
                throw ConfigurationError(key: "broker.redis_url", "\(error.message); e.g. redis://127.0.0.1:6379")
            }
            configuration.redisURL = url
        }
        if configuration.brokerKind == .redis, configuration.redisURL == nil {
            throw ConfigurationError(key: "broker.redis_url", "is required with broker.kind 'redis'; e.g. redis://127.0.0.1:6379")
        }
        if let prefix = try string("broker.redis_prefix") {
            guard !prefix.isEmpty, prefix.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw ConfigurationError(key: "broker.redis_prefix", "'\(prefix)' must be letters, digits, '-', '_' or '.'")
            }
            configuration.redisPrefix = prefix
        }
        configuration.nodeName = try string("cluster.node_name")
        configuration.advertisedAddress = try string("cluster.advertised_address")
        if let value = try int("cluster.heartbeat_ms", 100...60_000) { configuration.heartbeatMs = value }
        if let value = try int("cluster.node_timeout_ms", 300...600_000) { configuration.nodeTimeoutMs = value }
        guard configuration.nodeTimeoutMs >= 2 * configuration.heartbeatMs else {
            throw ConfigurationError(
                key: "cluster.node_timeout_ms",
                "\(configuration.nodeTimeoutMs) must be at least twice cluster.heartbeat_ms (\(configuration.heartbeatMs)), or live nodes would be taken for dead"
            )
        }
        if let secret = try string("auth.jwt_secret") {
            guard !secret.hasPrefix("replace-") else {
                throw ConfigurationError(key: "auth.jwt_secret", "still holds the example placeholder; generate one with: openssl rand -base64 48")
            }
            guard secret.utf8.count >= 32 else {
                throw ConfigurationError(key: "auth.jwt_secret", "must have at least 32 characters; generate one with: openssl rand -base64 48")
            }
            configuration.jwtSecret = secret
        }
        if let file = try string("auth.jwt_secret_file") { configuration.jwtSecretFile = file }
        if let keys = try string("security.encryption_keys") { configuration.encryptionKeys = try Self.encryptionKeys(keys) }
        if let value = try int("auth.access_token_ttl_seconds", 30...86_400) { configuration.accessTokenTTLSeconds = value }
        if let value = try int("auth.refresh_token_ttl_days", 1...365) { configuration.refreshTokenTTLDays = value }
        if let value = try int("auth.bcrypt_cost", 4...16) { configuration.bcryptCost = value }
        if let value = try int("auth.login_max_failures_per_account", 1...1000) { configuration.loginMaxFailuresPerAccount = value }
        if let value = try int("auth.login_max_failures_per_address", 1...100_000) { configuration.loginMaxFailuresPerAddress = value }
        if let value = try int("auth.register_max_per_address", 1...100_000) { configuration.registerMaxPerAddress = value }
        if let value = try int("auth.password_reset_max_per_account", 1...1000) { configuration.passwordResetMaxPerAccount = value }
        if let level = try string("log.level") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError(key: "log.level", "'\(level)' must be one of trace, debug, info, notice, warning, error, critical")
            }
            configuration.logLevel = parsed
        }
        if let demo = try bool("demo.enabled") { configuration.demo = demo }
        if let file = try string("moderation.word_list_file") {
            guard FileManager.default.fileExists(atPath: file) else {
                throw ConfigurationError(
                    key: "moderation.word_list_file", "'\(file)' does not exist; give a path to a text file with one word or phrase per line")
            }
            configuration.wordListFile = file
        } else {
            configuration.wordListFile = defaults.wordListFile
        }
        if let file = try string("membership.categories_file") {
            guard FileManager.default.fileExists(atPath: file) else {
                throw ConfigurationError(
                    key: "membership.categories_file", "'\(file)' does not exist; see Config/membership/categories.json for the format")
            }
            configuration.categoriesFile = file
        } else {
            configuration.categoriesFile = defaults.categoriesFile
        }
        if let file = try string("oidc.providers_file") {
            guard FileManager.default.fileExists(atPath: file) else {
                throw ConfigurationError(
                    key: "oidc.providers_file", "'\(file)' does not exist; see Config/oidc-providers.example.json for the format")
            }
            configuration.signInProvidersFile = file
        }
        if let file = try string("docs.openapi_file") {
            guard FileManager.default.fileExists(atPath: file) else {
                throw ConfigurationError(key: "docs.openapi_file", "'\(file)' does not exist; give the path of Protocol/openapi.yaml")
            }
            configuration.openAPIFile = file
        } else {
            configuration.openAPIFile = defaults.openAPIFile
        }
        if let folder = try string("web.root") {
            guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("index.html")) else {
                throw ConfigurationError(key: "web.root", "'\(folder)' holds no index.html; give the path of the checkout's Web/ folder")
            }
            configuration.webRoot = folder
        } else {
            configuration.webRoot = defaults.webRoot
        }
        if let file = try string("moderation.rules_file") {
            guard FileManager.default.fileExists(atPath: file) else {
                throw ConfigurationError(key: "moderation.rules_file", "'\(file)' does not exist; see Config/moderation/rules.json for the format")
            }
            configuration.moderationRulesFile = file
        } else if let file = defaults.rulesFile {
            configuration.moderationRulesFile = file
        } else {
            throw ConfigurationError(
                key: "moderation.rules_file",
                """
                the shipped moderation rules were not found (looked in \(defaults.searched.joined(separator: ", "))); \
                set CHAMBER_CONFIG_DIR to the project's Config folder, or name moderation.rules_file (and moderation.word_list_file)
                """)
        }
        if let action = try string("moderation.word_list_action") {
            guard ["mask", "hold", "reject"].contains(action) else {
                throw ConfigurationError(key: "moderation.word_list_action", "'\(action)' must be mask, hold or reject")
            }
            configuration.wordListAction = action
        }
        if let value = try int("hub.outbound_queue_bytes", 4096...(64 << 20)) { configuration.outboundQueueBytes = value }
        if let value = try int("hub.inbound_frames_per_second", 1...10_000) { configuration.inboundFramesPerSecond = value }
        if let value = try int("hub.max_recovery_events", 0...100_000) { configuration.maxRecoveryEvents = value }
        if let value = try int("hub.auth_timeout_seconds", 1...60) { configuration.authTimeoutSeconds = value }
        if let value = try int("hub.token_grace_seconds", 0...3_600) { configuration.tokenGraceSeconds = value }
        if let value = try int("hub.ping_interval_seconds", 1...300) { configuration.pingIntervalSeconds = value }
        if let value = try int("membership.standing_sweep_seconds", 0...86_400) { configuration.standingSweepSeconds = value }
        if let value = try int("retention.sweep_seconds", 0...86_400) { configuration.retentionSweepSeconds = value }
        if let value = try int("events.sweep_seconds", 0...3_600) { configuration.eventSweepSeconds = value }
        if let value = try int("directory.cache_businesses", 0...1_000_000) { configuration.directoryCacheBusinesses = value }
        try loadFiles(into: &configuration, string: string, int: int, bool: bool)
        if let value = try int("notifications.sweep_ms", 0...600_000) { configuration.notificationSweepMs = value }
        if let value = try int("notifications.email_delay_seconds", 0...3_600) { configuration.notificationEmailDelaySeconds = value }
        if let value = try int("push.sweep_ms", 10...600_000) { configuration.pushSweepMs = value }
        if let value = try int("push.concurrency", 1...10_000) { configuration.pushConcurrency = value }
        if let value = try int("push.retry_base_ms", 1...3_600_000) { configuration.pushRetryBaseMs = value }
        if let value = try int("push.max_attempts", 1...100) { configuration.pushMaxAttempts = value }
        if let value = try int("push.lease_seconds", 1...3600) { configuration.pushLeaseSeconds = value }
        if let file = try string("push.web_push.vapid_key_file") {
            guard FileManager.default.fileExists(atPath: file) else {
                throw ConfigurationError(
                    key: "push.web_push.vapid_key_file",
                    "'\(file)' does not exist; make a key with: openssl ecparam -name prime256v1 -genkey -noout -out vapid.pem")
            }
            try Self.requirePrivate(file, key: "push.web_push.vapid_key_file")
            configuration.webPushVAPIDKeyFile = file
        }
        if let subject = try string("push.web_push.subject") {
            guard subject.hasPrefix("mailto:") || subject.hasPrefix("https:") else {
                throw ConfigurationError(key: "push.web_push.subject", "'\(subject)' must be a mailto: or https: URL (RFC 8292 §2.1)")
            }
            configuration.webPushSubject = subject
        }
        func existingFile(_ key: String) throws -> String? {
            guard let file = try string(key) else { return nil }
            guard FileManager.default.fileExists(atPath: file) else { throw ConfigurationError(key: key, "'\(file)' does not exist") }
            return file
        }
        /// A file holding a secret: it must exist, and no other user of the machine may read it.
        func secretFile(_ key: String) throws -> String? {
            guard let file = try existingFile(key) else { return nil }
            try Self.requirePrivate(file, key: key)
            return file
        }
        configuration.tlsCertificateFile = try existingFile("server.tls_certificate_file")
        configuration.tlsKeyFile = try secretFile("server.tls_key_file")
        switch (configuration.tlsCertificateFile, configuration.tlsKeyFile) {
        case (.some, nil):
            throw ConfigurationError(key: "server.tls_key_file", "is needed with server.tls_certificate_file: the certificate's private key")
        case (nil, .some): throw ConfigurationError(key: "server.tls_certificate_file", "is needed with server.tls_key_file: the certificate chain")
        default: break
        }
        if let file = try secretFile("metrics.token_file") {
            guard
                let token = FileManager.default.contents(atPath: file).flatMap({ String(data: $0, encoding: .utf8) })?
                    .trimmingCharacters(in: .whitespacesAndNewlines), token.count >= 16, token.allSatisfy({ $0.isASCII && !$0.isWhitespace })
            else { throw ConfigurationError(key: "metrics.token_file", "'\(file)' must hold one token of at least 16 printable ASCII characters") }
            configuration.metricsToken = token
        }
        if let value = try string("server.public_url") {
            let scheme = URL(string: value)?.scheme?.lowercased()
            // A mail header line is at most 998 characters, and the unsubscribe link (about 170 more) is never folded.
            guard value.utf8.count <= 512, let url = URL(string: value), scheme == "https" || scheme == "http", url.host != nil, url.query == nil,
                url.fragment == nil
            else {
                throw ConfigurationError(
                    key: "server.public_url", "'\(value)' is not an http(s) URL of at most 512 characters without query or fragment")
            }
            configuration.publicURL = scheme! + value.dropFirst(scheme!.count)
        }
        configuration.smtpHost = try string("mail.smtp.host")
        if let value = try int("mail.smtp.port", 1...65_535) { configuration.smtpPort = value }
        if let value = try string("mail.smtp.security") {
            guard ["starttls", "tls", "none"].contains(value) else {
                throw ConfigurationError(key: "mail.smtp.security", "'\(value)' is not one of starttls, tls, none")
            }
            configuration.smtpSecurity = value
        }
        configuration.smtpUsername = try string("mail.smtp.username")
        configuration.smtpPasswordFile = try secretFile("mail.smtp.password_file")
        configuration.smtpCAFile = try existingFile("mail.smtp.ca_file")
        configuration.mailFromAddress = try string("mail.from_address")
        if let value = try string("mail.from_name") { configuration.mailFromName = value }
        if let value = try int("mail.retry_base_ms", 1...3_600_000) { configuration.mailRetryBaseMs = value }
        if let value = try int("mail.max_attempts", 1...100) { configuration.mailMaxAttempts = value }
        if let value = try int("mail.sweep_ms", 10...600_000) { configuration.mailSweepMs = value }
        configuration.apnsKeyFile = try secretFile("push.apns.key_file")
        configuration.pushTLSCAFile = try existingFile("push.tls_ca_file")
        configuration.fcmServiceAccountFile = try secretFile("push.fcm.service_account_file")
        if let endpoint = try string("push.fcm.endpoint") {
            guard let url = URL(string: endpoint), url.scheme == "https" || url.host == "127.0.0.1", url.host != nil else {
                throw ConfigurationError(key: "push.fcm.endpoint", "'\(endpoint)' must be an https:// URL")
            }
            configuration.fcmEndpoint = endpoint
        }
        configuration.stripeSecretKeyFile = try secretFile("billing.stripe.secret_key_file")
        configuration.stripeWebhookSecretsFile = try secretFile("billing.stripe.webhook_secrets_file")
        if let base = try string("billing.stripe.api_base") {
            guard let url = URL(string: base), url.scheme == "https" || url.host == "127.0.0.1", url.host != nil else {
                throw ConfigurationError(key: "billing.stripe.api_base", "'\(base)' must be an https:// URL")
            }
            configuration.stripeAPIBase = base
        }
        if let value = try bool("webhooks.allow_insecure_urls") { configuration.webhooksAllowInsecureURLs = value }
        if let value = try int("webhooks.retry_base_seconds", 1...3_600) { configuration.webhookRetryBaseSeconds = value }
        if let value = try int("api_keys.rate_per_minute", 1...1_000_000) { configuration.apiKeyRatePerMinute = value }
        if let value = try int("api_keys.rate_per_address_per_minute", 1...1_000_000) { configuration.apiKeyRatePerAddressPerMinute = value }
        configuration.apnsKeyID = try string("push.apns.key_id")
        configuration.apnsTeamID = try string("push.apns.team_id")
        for (key, value) in [
            ("push.apns.production_url", try string("push.apns.production_url")), ("push.apns.sandbox_url", try string("push.apns.sandbox_url")),
        ] {
            guard let value else { continue }
            guard let url = URL(string: value), url.scheme == "https", url.host != nil else {
                throw ConfigurationError(key: key, "'\(value)' must be an https:// URL (APNs speaks HTTP/2 over TLS only)")
            }
            if key.hasSuffix("production_url") { configuration.apnsProductionURL = value } else { configuration.apnsSandboxURL = value }
        }
        if configuration.apnsKeyFile != nil, configuration.apnsKeyID == nil || configuration.apnsTeamID == nil {
            throw ConfigurationError(
                key: configuration.apnsKeyID == nil ? "push.apns.key_id" : "push.apns.team_id",
                "is required with push.apns.key_file (both are shown beside the key in the Apple developer account)")
        }
        if configuration.webPushVAPIDKeyFile != nil, configuration.webPushSubject == nil {
            throw ConfigurationError(
                key: "push.web_push.subject",
                "is required with push.web_push.vapid_key_file: push services must be able to reach you (mailto:ops@your.org)")
        }
        if let enabled = try bool("loadtest.enabled") { configuration.loadTestEnabled = enabled }
        if let enabled = try bool("hub.conformance_echo") { configuration.conformanceEcho = enabled }
        if let value = try int("loadtest.max_accounts", 1...1_000_000) { configuration.loadTestMaxAccounts = value }
        // The demo's logins and password are published: never seed them on a server others can reach.
        if configuration.demo, !["127.0.0.1", "::1", "localhost"].contains(configuration.host), !configuration.host.hasPrefix("127.") {
            throw ConfigurationError(
                key: "demo.enabled",
                "the demo accounts have a published password, so demo mode only runs on a loopback server.host (127.0.0.1); turn demo off or listen on loopback"
            )
        }
        let isPostgres = configuration.databaseURL.lowercased().hasPrefix("postgres")
        if isPostgres, configuration.jwtSecret == nil {
            throw ConfigurationError(
                key: "auth.jwt_secret",
                "is required with a PostgreSQL database.url, because every node must sign tokens with the same key; set CHAMBER_AUTH_JWT_SECRET to the output of: openssl rand -base64 48"
            )
        }
        return configuration
    }

    /// `files.*`: where uploads are kept. An S3 store needs its address, bucket and keys, the secret from a file.
    private static func loadFiles(
        into configuration: inout ServerConfiguration, string: (String) throws -> String?, int: (String, ClosedRange<Int>) throws -> Int?,
        bool: (String) throws -> Bool?
    ) throws {
        if let kind = try string("files.store") {
            guard let parsed = ServerConfiguration.FileStoreKind(rawValue: kind) else {
                throw ConfigurationError(key: "files.store", "'\(kind)' must be 'local' (the file system) or 's3' (an S3-compatible object store)")
            }
            configuration.fileStore = parsed
        }
        if let path = try string("files.local_path") {
            guard !path.isEmpty else { throw ConfigurationError(key: "files.local_path", "must not be empty") }
            configuration.filesLocalPath = path
        }
        if let value = try int("files.max_bytes", 1...1_073_741_824) { configuration.filesMaxBytes = value }
        if let value = try int("files.link_seconds", 10...604_800) { configuration.fileLinkSeconds = value }
        if let endpoint = try string("files.s3.endpoint") {
            guard let url = URLComponents(string: endpoint), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false,
                url.path.isEmpty || url.path == "/", url.query == nil
            else {
                throw ConfigurationError(key: "files.s3.endpoint", "'\(endpoint)' must be an http:// or https:// address with no path")
            }
            configuration.s3Endpoint = endpoint
        }
        configuration.s3Bucket = try string("files.s3.bucket")
        if let region = try string("files.s3.region") { configuration.s3Region = region }
        configuration.s3AccessKeyID = try string("files.s3.access_key_id")
        if let file = try string("files.s3.secret_access_key_file") {
            guard FileManager.default.fileExists(atPath: file) else {
                throw ConfigurationError(key: "files.s3.secret_access_key_file", "'\(file)' does not exist")
            }
            try Self.requirePrivate(file, key: "files.s3.secret_access_key_file")
            configuration.s3SecretAccessKeyFile = file
        }
        if let value = try bool("files.s3.path_style") { configuration.s3PathStyle = value }
        if configuration.fileStore == .s3 {
            for (key, value) in [
                ("files.s3.endpoint", configuration.s3Endpoint), ("files.s3.bucket", configuration.s3Bucket),
                ("files.s3.access_key_id", configuration.s3AccessKeyID), ("files.s3.secret_access_key_file", configuration.s3SecretAccessKeyFile),
            ] where value == nil {
                throw ConfigurationError(key: key, "is required with files.store 's3'")
            }
        }
    }

    /// Parses `id:base64key,…`: ids of letters and digits (at most 16), keys of 32 bytes.
    /// Refuses a secret's file that every user of the machine may read: another account on the host (a process of
    /// another service, a shell user) would hold the key. Group members may read it (a secret mounted for a group).
    static func requirePrivate(_ file: String, key: String) throws {
        let mode = ((try? FileManager.default.attributesOfItem(atPath: file))?[.posixPermissions] as? NSNumber)?.intValue ?? 0
        guard mode & 0o004 == 0 else {
            throw ConfigurationError(
                key: key, "'\(file)' can be read by every user (mode \(String(mode & 0o777, radix: 8))); make it private: chmod 600 '\(file)'")
        }
    }

    static func encryptionKeys(_ text: String) throws -> [EncryptionKey] {
        let key = "security.encryption_keys"
        var keys: [EncryptionKey] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, (1...16).contains(parts[0].count), parts[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw ConfigurationError(key: key, "each key is written id:base64, the id of letters and digits (at most 16)")
            }
            guard let bytes = Data(base64Encoded: parts[1]), bytes.count == 32 else {
                throw ConfigurationError(key: key, "key '\(parts[0])' is not 32 bytes in base64; make one with: openssl rand -base64 32")
            }
            guard !keys.contains(where: { $0.id == parts[0] }) else { throw ConfigurationError(key: key, "key id '\(parts[0])' is named twice") }
            guard !parts[0].hasPrefix("derived") else {
                throw ConfigurationError(key: key, "ids starting with 'derived' name the key derived from the token secret")
            }
            keys.append(EncryptionKey(id: parts[0], bytes: Array(bytes)))
        }
        guard !keys.isEmpty else { throw ConfigurationError(key: key, "names no key") }
        return keys
    }
}
