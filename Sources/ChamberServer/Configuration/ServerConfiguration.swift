import ChamberHTTP
import ChamberStorage
import Foundation
import Logging

/// Everything a node needs to start. Each field has a documented key; values come from, in rising priority,
/// the defaults below, the JSON file in `Config/`, `CHAMBER_*` environment variables, and command-line flags, read
/// by ``ConfigurationLoader`` through swift-configuration.
///
/// | key | environment | default |
/// | --- | --- | --- |
/// | `server.host` | `CHAMBER_SERVER_HOST` | `127.0.0.1` |
/// | `server.port` | `CHAMBER_SERVER_PORT` | `8080` |
/// | `server.idle_timeout_seconds` | `CHAMBER_SERVER_IDLE_TIMEOUT_SECONDS` | `30` (an HTTP connection with no request this long is closed) |
/// | `server.request_head_timeout_seconds` | `CHAMBER_SERVER_REQUEST_HEAD_TIMEOUT_SECONDS` | `10` (a new connection's first request head, REST or upgrade, must be in by then) |
/// | `server.max_connections_per_address` | `CHAMBER_SERVER_MAX_CONNECTIONS_PER_ADDRESS` | `2000` (one IP address's open connections, an IPv6 /64's together; more are closed at once; `0`: any number) |
/// | `server.trusted_proxies` | `CHAMBER_SERVER_TRUSTED_PROXIES` | none (comma-separated addresses and blocks, `127.0.0.1, 10.0.0.0/8`: their requests come from the client `X-Forwarded-For` names, and their connections are not counted per address) |
/// | `server.cors_allowed_origins` | `CHAMBER_SERVER_CORS_ALLOWED_ORIGINS` | none (comma-separated origins, `https://app.example.org`, or `*`, whose pages may call the API from a browser; never with credentials) |
/// | `server.tls_certificate_file` | `CHAMBER_SERVER_TLS_CERTIFICATE_FILE` | none: plain HTTP (the PEM certificate chain, with `server.tls_key_file`; read again on SIGHUP) |
/// | `server.tls_key_file` | `CHAMBER_SERVER_TLS_KEY_FILE` | none (the certificate's PEM private key, private to the node's user) |
/// | `database.url` | `CHAMBER_DATABASE_URL` | `sqlite://data/chamberconnect.sqlite` |
/// | `database.max_connections` | `CHAMBER_DATABASE_MAX_CONNECTIONS` | `20` (PostgreSQL pool size per node, plus 4 kept for transactions) |
/// | `database.prepared_statements` | `CHAMBER_DATABASE_PREPARED_STATEMENTS` | `1000` (PostgreSQL: statements prepared once per connection, each a text with its values' types; `0` behind a pooler that cannot keep them) |
/// | `storage.sqlite.synchronous` | `CHAMBER_STORAGE_SQLITE_SYNCHRONOUS` | `full` (an acknowledged message survives a power cut; `normal`: a server crash only) |
/// | `broker.kind` | `CHAMBER_BROKER_KIND` | `in-process` |
/// | `broker.redis_url` | `CHAMBER_BROKER_REDIS_URL` | none: required with `redis` (`redis://[:password@]host:port[/db]`) |
/// | `broker.redis_prefix` | `CHAMBER_BROKER_REDIS_PREFIX` | `chamberconnect` (Redis channel names start with it) |
/// | `cluster.node_name` | `CHAMBER_CLUSTER_NODE_NAME` | `server.host:server.port` (the node's id adds a random suffix per start) |
/// | `server.public_url` | `CHAMBER_SERVER_PUBLIC_URL` | none: notification e-mails carry no one-click unsubscribe link (it needs an `https` address) |
/// | `cluster.advertised_address` | `CHAMBER_CLUSTER_ADVERTISED_ADDRESS` | `server.host:server.port` (shown in the node registry) |
/// | `cluster.heartbeat_ms` | `CHAMBER_CLUSTER_HEARTBEAT_MS` | `1000` |
/// | `cluster.node_timeout_ms` | `CHAMBER_CLUSTER_NODE_TIMEOUT_MS` | `5000` (a node silent this long is dead: its users go offline) |
/// | `auth.jwt_secret` | `CHAMBER_AUTH_JWT_SECRET` | none: required with PostgreSQL |
/// | `auth.jwt_secret_file` | `CHAMBER_AUTH_JWT_SECRET_FILE` | `data/jwt-secret` (created with SQLite when no secret is set) |
/// | `auth.access_token_ttl_seconds` | `CHAMBER_AUTH_ACCESS_TOKEN_TTL_SECONDS` | `900` |
/// | `auth.refresh_token_ttl_days` | `CHAMBER_AUTH_REFRESH_TOKEN_TTL_DAYS` | `30` |
/// | `auth.bcrypt_cost` | `CHAMBER_AUTH_BCRYPT_COST` | `11` |
/// | `auth.login_max_failures_per_account` | `CHAMBER_AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT` | `5` |
/// | `auth.login_max_failures_per_address` | `CHAMBER_AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS` | `20` |
/// | `auth.register_max_per_address` | `CHAMBER_AUTH_REGISTER_MAX_PER_ADDRESS` | `20` (per 15 minutes) |
/// | `auth.password_reset_max_per_account` | `CHAMBER_AUTH_PASSWORD_RESET_MAX_PER_ACCOUNT` | `3` (per 15 minutes; four times as many per client address) |
/// | `security.encryption_keys` | `CHAMBER_SECURITY_ENCRYPTION_KEYS` | none: a key derived from the token secret (`id:base64`, comma-separated, 32-byte AES keys; the first seals, all open) |
/// | `log.level` | `CHAMBER_LOG_LEVEL` | `info` |
/// | `demo.enabled` | `CHAMBER_DEMO_ENABLED` | `false` |
/// | `moderation.word_list_file` | `CHAMBER_MODERATION_WORD_LIST_FILE` | `moderation/words.txt` of the shipped defaults (``DefaultFiles``) |
/// | `moderation.rules_file` | `CHAMBER_MODERATION_RULES_FILE` | `moderation/rules.json` of the shipped defaults; without it, the node refuses to start |
/// | `moderation.word_list_action` | `CHAMBER_MODERATION_WORD_LIST_ACTION` | `hold` (or `reject`; `mask` rewrites members' words) |
/// | `membership.categories_file` | `CHAMBER_MEMBERSHIP_CATEGORIES_FILE` | `membership/categories.json` of the shipped defaults (the NAICS sectors applicants choose from) |
/// | `oidc.providers_file` | `CHAMBER_OIDC_PROVIDERS_FILE` | none: members sign in with passwords only (the OpenID Connect providers: see `Config/oidc-providers.example.json`) |
/// | `docs.openapi_file` | `CHAMBER_DOCS_OPENAPI_FILE` | `Protocol/openapi.yaml` beside the shipped defaults' folder (served at `GET /docs`) |
/// | `metrics.token_file` | `CHAMBER_METRICS_TOKEN_FILE` | none: `/metrics` is public (a file holding a token of 16 characters or more: `/metrics` then answers only `Authorization: Bearer <token>`) |
/// | `web.root` | `CHAMBER_WEB_ROOT` | `Web/` beside the shipped defaults' folder (the web app served at `GET /`; none: `/` answers `404`) |
/// | `membership.standing_sweep_seconds` | `CHAMBER_MEMBERSHIP_STANDING_SWEEP_SECONDS` | `3600` (how often each node moves membership statuses the dates call for; `0`: never) |
/// | `retention.sweep_seconds` | `CHAMBER_RETENTION_SWEEP_SECONDS` | `3600`: how often a node archives and removes what chambers keep no longer (0: never) |
/// | `events.sweep_seconds` | `CHAMBER_EVENTS_SWEEP_SECONDS` | `30` (event upkeep: offers and payments that ran out, seats for the waitlist, events that ended; `0`: never) |
/// | `directory.cache_businesses` | `CHAMBER_DIRECTORY_CACHE_BUSINESSES` | `20000` (businesses a node keeps in directory answers until the chamber's directory changes; `0`: none; none on `sqlite::memory:`) |
/// | `files.store` | `CHAMBER_FILES_STORE` | `local` (or `s3`: an S3-compatible object store) |
/// | `files.local_path` | `CHAMBER_FILES_LOCAL_PATH` | `data/files` (the local store's folder) |
/// | `files.max_bytes` | `CHAMBER_FILES_MAX_BYTES` | `10485760` (the largest upload, 10 MiB) |
/// | `files.link_seconds` | `CHAMBER_FILES_LINK_SECONDS` | `900` (how long a signed link to a file works) |
/// | `files.s3.endpoint` | `CHAMBER_FILES_S3_ENDPOINT` | none: required with `s3` (`https://s3.us-east-1.amazonaws.com`, or a compatible store's address) |
/// | `files.s3.bucket` | `CHAMBER_FILES_S3_BUCKET` | none: required with `s3` |
/// | `files.s3.region` | `CHAMBER_FILES_S3_REGION` | `us-east-1` |
/// | `files.s3.access_key_id` | `CHAMBER_FILES_S3_ACCESS_KEY_ID` | none: required with `s3` |
/// | `files.s3.secret_access_key_file` | `CHAMBER_FILES_S3_SECRET_ACCESS_KEY_FILE` | none: required with `s3` (a file holding the secret key) |
/// | `files.s3.path_style` | `CHAMBER_FILES_S3_PATH_STYLE` | `true` (`endpoint/bucket/key`; `false`: `bucket.endpoint/key`) |
/// | `hub.outbound_queue_bytes` | `CHAMBER_HUB_OUTBOUND_QUEUE_BYTES` | `1048576` |
/// | `hub.inbound_frames_per_second` | `CHAMBER_HUB_INBOUND_FRAMES_PER_SECOND` | `20` |
/// | `hub.max_recovery_events` | `CHAMBER_HUB_MAX_RECOVERY_EVENTS` | `500` |
/// | `hub.auth_timeout_seconds` | `CHAMBER_HUB_AUTH_TIMEOUT_SECONDS` | `5` |
/// | `hub.token_grace_seconds` | `CHAMBER_HUB_TOKEN_GRACE_SECONDS` | `30` (a socket closes this long after its token expires) |
/// | `hub.ping_interval_seconds` | `CHAMBER_HUB_PING_INTERVAL_SECONDS` | `30` (each period, a socket silent since the last is pinged, and one that did not answer is dropped) |
/// | `notifications.sweep_ms` | `CHAMBER_NOTIFICATIONS_SWEEP_MS` | `1000` (how often a node looks for messages no node notified yet, a crashed one's say; `0`: never) |
/// | `notifications.email_delay_seconds` | `CHAMBER_NOTIFICATIONS_EMAIL_DELAY_SECONDS` | `60` (an `immediate` member's e-mail waits this long, so that a burst makes one mail) |
/// | `push.sweep_ms` | `CHAMBER_PUSH_SWEEP_MS` | `1000` (at most this long before a node looks for pushes due that it did not queue: retries, a crashed node's) |
/// | `push.concurrency` | `CHAMBER_PUSH_CONCURRENCY` | `64` (sends in flight per provider and node) |
/// | `push.retry_base_ms` | `CHAMBER_PUSH_RETRY_BASE_MS` | `1000` (the wait after a first failure; it doubles per attempt, with jitter, up to 10 minutes) |
/// | `push.max_attempts` | `CHAMBER_PUSH_MAX_ATTEMPTS` | `8` (then the push is dead-lettered, for admins to see) |
/// | `mail.smtp.host` | `CHAMBER_MAIL_SMTP_HOST` | none: mail is written to the log, not sent |
/// | `mail.smtp.port` | `CHAMBER_MAIL_SMTP_PORT` | `587` for `starttls`, `465` for `tls`, `25` for `none` |
/// | `mail.smtp.security` | `CHAMBER_MAIL_SMTP_SECURITY` | `starttls` (or `tls`; `none` only to a loopback relay) |
/// | `mail.smtp.username` | `CHAMBER_MAIL_SMTP_USERNAME` | none (no AUTH) |
/// | `mail.smtp.password_file` | `CHAMBER_MAIL_SMTP_PASSWORD_FILE` | none (required with a username) |
/// | `mail.smtp.ca_file` | `CHAMBER_MAIL_SMTP_CA_FILE` | none: the system's trust roots |
/// | `mail.from_address` | `CHAMBER_MAIL_FROM_ADDRESS` | none (required with a relay) |
/// | `mail.from_name` | `CHAMBER_MAIL_FROM_NAME` | `ChamberConnect` |
/// | `mail.retry_base_ms` | `CHAMBER_MAIL_RETRY_BASE_MS` | `30000` |
/// | `mail.max_attempts` | `CHAMBER_MAIL_MAX_ATTEMPTS` | `8` |
/// | `mail.sweep_ms` | `CHAMBER_MAIL_SWEEP_MS` | `5000` |
/// | `push.lease_seconds` | `CHAMBER_PUSH_LEASE_SECONDS` | `30` (a node's claim on the pushes it is sending, renewed meanwhile: a node that dies delays its pushes by this much) |
/// | `push.web_push.vapid_key_file` | `CHAMBER_PUSH_WEB_PUSH_VAPID_KEY_FILE` | none: Web Push is recorded, not sent (a PEM P-256 key: `openssl ecparam -name prime256v1 -genkey -noout`) |
/// | `push.web_push.subject` | `CHAMBER_PUSH_WEB_PUSH_SUBJECT` | none: required with a VAPID key (`mailto:` or `https:`, how push services reach you) |
/// | `push.apns.key_file` | `CHAMBER_PUSH_APNS_KEY_FILE` | none: APNs is recorded, not sent (the .p8 token-auth key from the Apple developer account) |
/// | `push.apns.key_id` | `CHAMBER_PUSH_APNS_KEY_ID` | none: required with the key (its 10-character id) |
/// | `push.apns.team_id` | `CHAMBER_PUSH_APNS_TEAM_ID` | none: required with the key (the developer team's 10-character id) |
/// | `push.apns.production_url` | `CHAMBER_PUSH_APNS_PRODUCTION_URL` | `https://api.push.apple.com` |
/// | `push.apns.sandbox_url` | `CHAMBER_PUSH_APNS_SANDBOX_URL` | `https://api.sandbox.push.apple.com` (for development builds' tokens) |
/// | `push.fcm.service_account_file` | `CHAMBER_PUSH_FCM_SERVICE_ACCOUNT_FILE` | none: FCM is recorded, not sent (the Firebase project's service-account key, JSON) |
/// | `push.fcm.endpoint` | `CHAMBER_PUSH_FCM_ENDPOINT` | `https://fcm.googleapis.com` |
/// | `billing.stripe.secret_key_file` | `CHAMBER_BILLING_STRIPE_SECRET_KEY_FILE` | none: no card payments, only payments staff record (a file holding Stripe's secret key, `sk_…`) |
/// | `billing.stripe.webhook_secrets_file` | `CHAMBER_BILLING_STRIPE_WEBHOOK_SECRETS_FILE` | none: `POST /v1/webhooks/stripe` answers 503 (the endpoint's signing secrets, `whsec_…`, one per line; two while one is rolled) |
/// | `billing.stripe.api_base` | `CHAMBER_BILLING_STRIPE_API_BASE` | `https://api.stripe.com` |
/// | `webhooks.allow_insecure_urls` | `CHAMBER_WEBHOOKS_ALLOW_INSECURE_URLS` | `false`: chambers' webhook endpoints are `https` only |
/// | `webhooks.retry_base_seconds` | `CHAMBER_WEBHOOKS_RETRY_BASE_SECONDS` | `30`: the first wait before a failed delivery is tried again (the waits double, at most 6 h apart, 12 attempts) |
/// | `api_keys.rate_per_minute` | `CHAMBER_API_KEYS_RATE_PER_MINUTE` | `600`: requests a minute each API key may make, across the cluster with the Redis broker, else on each node; over it, `429 rate_limited` with `Retry-After` |
/// | `api_keys.rate_per_address_per_minute` | `CHAMBER_API_KEYS_RATE_PER_ADDRESS_PER_MINUTE` | `1200`: the same for each address using API keys |
/// | `push.tls_ca_file` | `CHAMBER_PUSH_TLS_CA_FILE` | none (PEM certificates trusted for provider connections besides the system's: a proxy's, a test's) |
/// | `hub.conformance_echo` | `CHAMBER_HUB_CONFORMANCE_ECHO` | `false` (`GET /v1/conformance/echo`: an echo socket for the Autobahn suite) |
/// | `loadtest.enabled` | `CHAMBER_LOADTEST_ENABLED` | `false` (platform admins may bulk-provision load-test accounts) |
/// | `loadtest.max_accounts` | `CHAMBER_LOADTEST_MAX_ACCOUNTS` | `50000` |
public struct ServerConfiguration: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var idleTimeoutSeconds = 30
    public var requestHeadTimeoutSeconds = 10
    public var maxConnectionsPerAddress = 2_000
    /// The proxies in front of the node whose `X-Forwarded-For` is believed.
    public var trustedProxies = TrustedProxies.none
    /// The web origins whose pages may call the API from a browser.
    public var crossOrigin = CrossOriginPolicy.none
    /// PEM files of the certificate chain and private key the node serves TLS with; nil: plain HTTP.
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    public var databaseURL = "sqlite://data/chamberconnect.sqlite"
    public var databaseMaxConnections = 20
    /// How many PostgreSQL statements are named and prepared on each connection; 0: none.
    public var databasePreparedStatements = 1_000
    public var sqliteSynchronous = SQLiteSynchronous.full
    public var brokerKind = BrokerKind.inProcess
    public var redisURL: String?
    public var redisPrefix = "chamberconnect"
    public var nodeName: String?
    public var advertisedAddress: String?
    public var heartbeatMs = 1_000
    public var nodeTimeoutMs = 5_000
    public var jwtSecret: String?
    public var jwtSecretFile = "data/jwt-secret"
    /// AES-256 keys for sealed fields (TOTP secrets), by id; the first seals. Empty: one derived from the token secret.
    public var encryptionKeys: [EncryptionKey] = []
    public var accessTokenTTLSeconds = 900
    public var refreshTokenTTLDays = 30
    public var bcryptCost = 11
    public var loginMaxFailuresPerAccount = 5
    public var loginMaxFailuresPerAddress = 20
    public var registerMaxPerAddress = 20
    public var passwordResetMaxPerAccount = 3
    public var logLevel = Logger.Level.info
    public var demo = false
    public var wordListFile: String?
    public var wordListAction = "hold"
    public var moderationRulesFile: String?
    /// The business categories applicants choose from (`[{"code": …, "name": …}]`); none: applications cannot
    /// save their contact step.
    public var categoriesFile: String?
    /// The OpenID Connect providers members may sign in with (JSON: see `Config/oidc-providers.example.json`); none:
    /// passwords only.
    public var signInProvidersFile: String?
    /// The API description served at `GET /docs`; none: `/docs` answers `404`.
    public var openAPIFile: String?
    /// The web app's folder (`index.html` and `app/`), served at `GET /`; none: `/` answers `404`.
    public var webRoot: String?
    /// How often the membership standing job runs on this node (0: never). Hourly, so a day's changes land within
    /// the hour of their date; running more often or on more nodes changes nothing twice.
    public var standingSweepSeconds = 3_600
    /// How often the retention job runs on this node (0: never): chambers' messages and audit entries past their
    /// retention are archived and removed. Safe on every node at once.
    public var retentionSweepSeconds = 3_600
    /// How often the event upkeep job runs on this node (0: never): offers and payments that ran out are ended and
    /// their seats offered down the waitlist, events that ended are completed. Safe on every node at once.
    public var eventSweepSeconds = 30
    /// How many businesses a node keeps in directory answers, across them, until the chamber's directory changes.
    /// Each kept business costs about a kilobyte.
    public var directoryCacheBusinesses = 20_000
    /// Where uploaded files' bytes are kept.
    public var fileStore = FileStoreKind.local
    public var filesLocalPath = "data/files"
    public var filesMaxBytes = 10 * 1024 * 1024
    public var fileLinkSeconds = 900
    public var s3Endpoint: String?
    public var s3Bucket: String?
    public var s3Region = "us-east-1"
    public var s3AccessKeyID: String?
    public var s3SecretAccessKeyFile: String?
    public var s3PathStyle = true
    public var outboundQueueBytes = 1 << 20
    public var inboundFramesPerSecond = 20
    public var maxRecoveryEvents = 500
    public var authTimeoutSeconds = 5
    public var tokenGraceSeconds = 30
    public var pingIntervalSeconds = 30
    /// How often the node looks for stored messages nobody notified yet (0: only those it stores itself).
    public var notificationSweepMs = 1_000
    /// How long an `immediate` member's notification e-mail waits, so that a burst makes one mail.
    public var notificationEmailDelaySeconds = 60
    /// Where members reach this server from outside (`https://chamber.example.org`): links in mail point there.
    public var publicURL: String?
    public var pushSweepMs = 1_000
    public var pushConcurrency = 64
    public var pushRetryBaseMs = 1_000
    public var pushMaxAttempts = 8
    public var pushLeaseSeconds = 30
    /// The SMTP relay; `nil` (the embedded default) writes mail to the log instead.
    public var smtpHost: String?
    /// `nil`: the port of `smtpSecurity` (587, 465 or 25).
    public var smtpPort: Int?
    /// `starttls`, `tls` or `none` (loopback relays only).
    public var smtpSecurity = "starttls"
    public var smtpUsername: String?
    public var smtpPasswordFile: String?
    public var smtpCAFile: String?
    public var mailFromAddress: String?
    public var mailFromName: String? = "ChamberConnect"
    public var mailRetryBaseMs = 30_000
    public var mailMaxAttempts = 8
    public var mailSweepMs = 5_000
    public var webPushVAPIDKeyFile: String?
    public var webPushSubject: String?
    public var apnsKeyFile: String?
    public var apnsKeyID: String?
    public var apnsTeamID: String?
    public var apnsProductionURL = "https://api.push.apple.com"
    public var apnsSandboxURL = "https://api.sandbox.push.apple.com"
    public var pushTLSCAFile: String?
    public var fcmServiceAccountFile: String?
    public var fcmEndpoint = "https://fcm.googleapis.com"
    /// A file holding the card processor's secret API key (Stripe's `sk_…`); none: no card payments.
    public var stripeSecretKeyFile: String?
    /// A file of webhook signing secrets (`whsec_…`), one per line: the current one, and the previous while rolled.
    public var stripeWebhookSecretsFile: String?
    public var stripeAPIBase = "https://api.stripe.com"
    /// Whether chambers' webhook endpoints may be `http` (a lab, the tests); otherwise `https` only.
    public var webhooksAllowInsecureURLs = false
    /// The first wait before a failed webhook delivery is tried again; the waits double from it.
    public var webhookRetryBaseSeconds = 30
    /// Requests a minute each API key may make, and each address with API keys, on each node.
    public var apiKeyRatePerMinute = 600
    public var apiKeyRatePerAddressPerMinute = 1_200
    /// Serves the WebSocket echo endpoint the Autobahn conformance suite runs against (never on by default).
    public var conformanceEcho = false
    /// Read at start from `metrics.token_file`.
    public var metricsToken: String?
    public var loadTestEnabled = false
    public var loadTestMaxAccounts = 50_000
    /// The configuration file read, if any (not a key: where the values came from, for the start-up log).
    public var configFile: String?

    public enum BrokerKind: String, Sendable, Equatable {
        case inProcess = "in-process"
        case redis
    }

    public enum FileStoreKind: String, Sendable, Equatable {
        case local, s3
    }

    public init() {}

    /// Every key the loader accepts; anything else in a file is a typo and refused.
    public static let keys: [String] = [
        "server.host", "server.port", "server.idle_timeout_seconds", "server.request_head_timeout_seconds", "server.max_connections_per_address",
        "server.trusted_proxies", "server.cors_allowed_origins", "server.tls_certificate_file",
        "server.tls_key_file", "database.url", "database.max_connections", "database.prepared_statements", "storage.sqlite.synchronous",
        "broker.kind", "broker.redis_url",
        "broker.redis_prefix",
        "server.public_url", "cluster.node_name", "cluster.advertised_address", "cluster.heartbeat_ms", "cluster.node_timeout_ms", "auth.jwt_secret",
        "auth.jwt_secret_file",
        "auth.access_token_ttl_seconds", "auth.refresh_token_ttl_days", "auth.bcrypt_cost", "auth.login_max_failures_per_account",
        "auth.login_max_failures_per_address", "auth.register_max_per_address", "auth.password_reset_max_per_account", "security.encryption_keys",
        "log.level", "demo.enabled",
        "moderation.word_list_file", "moderation.word_list_action", "moderation.rules_file", "membership.categories_file", "docs.openapi_file",
        "web.root", "metrics.token_file", "oidc.providers_file",
        "membership.standing_sweep_seconds", "retention.sweep_seconds", "events.sweep_seconds", "directory.cache_businesses",
        "files.store", "files.local_path", "files.max_bytes", "files.link_seconds", "files.s3.endpoint", "files.s3.bucket", "files.s3.region",
        "files.s3.access_key_id", "files.s3.secret_access_key_file", "files.s3.path_style",
        "hub.outbound_queue_bytes",
        "hub.inbound_frames_per_second", "hub.max_recovery_events", "hub.auth_timeout_seconds", "hub.token_grace_seconds",
        "hub.ping_interval_seconds", "notifications.sweep_ms", "notifications.email_delay_seconds", "push.sweep_ms", "push.concurrency",
        "push.retry_base_ms", "push.max_attempts",
        "push.lease_seconds", "mail.smtp.host", "mail.smtp.port", "mail.smtp.security", "mail.smtp.username", "mail.smtp.password_file",
        "mail.smtp.ca_file", "mail.from_address", "mail.from_name", "mail.retry_base_ms", "mail.max_attempts", "mail.sweep_ms",
        "push.web_push.vapid_key_file", "push.web_push.subject", "push.apns.key_file", "push.apns.key_id", "push.apns.team_id",
        "push.apns.production_url", "push.apns.sandbox_url", "push.tls_ca_file", "push.fcm.service_account_file", "push.fcm.endpoint",
        "billing.stripe.secret_key_file", "billing.stripe.webhook_secrets_file", "billing.stripe.api_base", "webhooks.allow_insecure_urls",
        "webhooks.retry_base_seconds", "api_keys.rate_per_minute", "api_keys.rate_per_address_per_minute",
        "hub.conformance_echo", "loadtest.enabled", "loadtest.max_accounts",
    ]

    /// The environment variable that sets `key`.
    public static func environmentName(_ key: String) -> String {
        "CHAMBER_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }
}

/// A configuration value that cannot be used. The message names the key, where it came from, and the fix.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let key: String
    public let message: String

    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "configuration error in '\(key)': \(message)" }
}

/// One AES-256 key for sealed fields, named so that a sealed value says which key opens it.
public struct EncryptionKey: Sendable, Equatable {
    public let id: String
    public let bytes: [UInt8]

    public init(id: String, bytes: [UInt8]) {
        self.id = id
        self.bytes = bytes
    }
}
