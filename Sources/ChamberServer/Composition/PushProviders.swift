import AsyncHTTPClient
import ChamberDomain
import ChamberNotify
import Crypto
import Foundation
import Logging
import Metrics

/// The push providers a configuration names, and the dispatcher over them.
enum PushProviders {
    /// The VAPID key Web Push is signed with, when configured (browsers subscribe with its public half).
    static func vapid(_ configuration: ServerConfiguration) throws -> VAPID? {
        guard let file = configuration.webPushVAPIDKeyFile, let subject = configuration.webPushSubject else { return nil }
        do {
            return VAPID(key: try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: file, encoding: .utf8)), subject: subject)
        } catch {
            throw ConfigurationError(key: "push.web_push.vapid_key_file", "'\(file)' is not a PEM P-256 private key: \(error)")
        }
    }

    /// A real client for each platform with credentials; a recording one, which sends nothing, for the others
    /// (the embedded default), said at start.
    static func make(_ configuration: ServerConfiguration, logger: Logger) throws -> [DevicePlatform: any PushProvider] {
        var providers: [DevicePlatform: any PushProvider] = [:]
        if let vapid = try vapid(configuration) {
            providers[.webPush] = WebPushClient(http: http(configuration), vapid: vapid)
        }
        if let file = configuration.apnsKeyFile, let keyID = configuration.apnsKeyID, let teamID = configuration.apnsTeamID {
            let token: APNsProviderToken
            do {
                token = try APNsProviderToken(pem: String(contentsOfFile: file, encoding: .utf8), keyID: keyID, teamID: teamID)
            } catch {
                throw ConfigurationError(key: "push.apns.key_file", "'\(file)' is not a .p8 (PEM P-256) key: \(error)")
            }
            providers[.apns] = APNsClient(
                http: http(configuration), token: token,
                endpoints: APNsClient.Endpoints(production: configuration.apnsProductionURL, sandbox: configuration.apnsSandboxURL))
        }
        if let file = configuration.fcmServiceAccountFile {
            let account: FCMServiceAccount
            do {
                account = try FCMServiceAccount(contentsOfFile: file)
            } catch {
                throw ConfigurationError(key: "push.fcm.service_account_file", "\(error)")
            }
            let connections: HTTP1Pool
            do {
                connections = try ProviderHTTPClients.pool(
                    origin: configuration.fcmEndpoint, connections: configuration.pushConcurrency, trustingAlso: configuration.pushTLSCAFile)
            } catch {
                // A bad origin, or TLS that cannot be set up: with the extra roots file, most likely that file.
                let key = error is HTTP1Pool.Failure || configuration.pushTLSCAFile == nil ? "push.fcm.endpoint" : "push.tls_ca_file"
                throw ConfigurationError(key: key, "\(error)")
            }
            providers[.fcm] = FCMClient(connections: connections, http: http(configuration), account: account)
        }
        let recorded = DevicePlatform.allCases.filter { providers[$0] == nil }
        for platform in recorded { providers[platform] = RecordingPushProvider(platform: platform, logger: logger) }
        if !recorded.isEmpty {
            logger.notice(
                "pushes are recorded in the log, not sent, for providers without credentials",
                metadata: ["push.recorded": "\(recorded.map(\.rawValue).sorted().joined(separator: ", "))"])
        }
        return providers
    }

    static func http(_ configuration: ServerConfiguration) -> HTTPClient {
        ProviderHTTPClients.client(trustingAlso: configuration.pushTLSCAFile)
    }

    /// Batches a node claims and sends at once, sharing `push.concurrency`: while one batch is sent, another is
    /// claimed or its outcomes written (an announcement to 1,000 phones, `LoadTests/push-bench.sh`: p99 553 → 412 ms
    /// from 1 to 4, before the fan-out handed its jobs over claimed).
    static func lanes(_ configuration: ServerConfiguration) -> Int { min(4, configuration.pushConcurrency) }

    static func dispatcher(
        _ configuration: ServerConfiguration, outbox: any PushOutboxStore, logger: Logger, now: @escaping @Sendable () -> Date
    ) throws -> PushDispatcher {
        PushDispatcher(
            outbox: outbox, providers: try make(configuration, logger: logger),
            schedule: RetrySchedule(base: TimeInterval(configuration.pushRetryBaseMs) / 1000, maxAttempts: configuration.pushMaxAttempts),
            concurrency: configuration.pushConcurrency, batchSize: configuration.pushConcurrency * 4 / lanes(configuration),
            lease: TimeInterval(configuration.pushLeaseSeconds), now: now,
            observe: { platform, result in
                Counter(label: "chamber_push_total", dimensions: [("provider", platform?.rawValue ?? "none"), ("result", result.metricLabel)])
                    .increment()
            })
    }
}

extension PushJobResult {
    /// The `result` label of `chamber_push_total`.
    var metricLabel: String {
        switch self {
        case .sent: "sent"
        case .cancelled: "cancelled"
        case .retry: "retried"
        case .deadLettered: "dead_lettered"
        case .deviceGone: "token_removed"
        }
    }
}
