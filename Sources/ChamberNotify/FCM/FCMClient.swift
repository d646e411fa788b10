import AsyncHTTPClient
import ChamberDomain
import ChamberJSON
import Foundation
import NIOCore
import NIOHTTP1

/// Sends pushes through Firebase Cloud Messaging's HTTP v1 API (`projects.messages.send`): to Android devices, and to
/// Apple devices whose app registered with Firebase. Authorized by an OAuth 2.0 token of the project's service
/// account; the answers read by FCM's documented `ErrorCode` ("FCM error codes", `google.firebase.fcm.v1.FcmError`).
///
/// One message carries the push for both platforms: the `android` block for Android, the `apns` block FCM hands to
/// APNs, with the same collapse key, priority and expiry the other providers use.
public struct FCMClient: PushProvider {
    private let connections: HTTP1Pool
    private let tokens: FCMAccessTokens
    private let path: String
    private let timeout: TimeAmount

    /// - Parameters:
    ///   - connections: connections to FCM's origin (`https://fcm.googleapis.com`; tests give their own).
    ///   - account: the project's service account; messages are sent in its `project_id`.
    ///   - tokens: the account's access tokens, shared by every client of the account.
    ///   - timeout: how long one send may take.
    public init(connections: HTTP1Pool, account: FCMServiceAccount, tokens: FCMAccessTokens, timeout: TimeAmount = .seconds(10)) {
        self.connections = connections
        self.tokens = tokens
        self.path = "/v1/projects/\(account.projectID)/messages:send"
        self.timeout = timeout
    }

    /// A client with access tokens of its own, obtained through `http` (Google's token endpoint).
    public init(connections: HTTP1Pool, http: HTTPClient, account: FCMServiceAccount, timeout: TimeAmount = .seconds(10)) {
        self.init(
            connections: connections, account: account, tokens: FCMAccessTokens(http: http, account: account, timeout: timeout), timeout: timeout)
    }

    public func send(_ message: PushMessage, to address: PushAddress) async -> PushOutcome {
        guard case .fcm(let registration) = address else { return .rejected("not_an_fcm_token") }
        let body = Self.body(message, token: registration, at: Date())
        switch await attempt(body) {
        case .answered(let outcome):
            return outcome
        case .unauthorized(let token, _):
            // A token can stop working before its expiry (revoked, the key rotated, clocks apart): one new token,
            // one more try; a second refusal is left to the retry schedule.
            await tokens.invalidate(token)
            switch await attempt(body) {
            case .answered(let outcome):
                return outcome
            case .unauthorized(let token, let reason):
                await tokens.invalidate(token)
                return .retry(reason, retryAfter: nil)
            }
        }
    }

    private enum Attempt {
        case answered(PushOutcome)
        /// FCM did not take the access token (401 `UNAUTHENTICATED`).
        case unauthorized(token: String, reason: String)
    }

    private func attempt(_ body: [UInt8]) async -> Attempt {
        let token: String
        do {
            token = try await tokens.token()
        } catch {
            // Google's token endpoint down, or the network: the push is fine, so it waits rather than dies.
            return .answered(.retry("oauth_token: \(error)", retryAfter: nil))
        }
        do {
            let response = try await connections.post(
                path, headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json; charset=UTF-8")], body: body,
                timeout: timeout)
            let text = String(buffer: response.body)
            let status = response.status
            // THIRD_PARTY_AUTH_ERROR is a 401 too, but about the project's APNs or Web Push credentials, not our token.
            if status == 401 {
                let error = FCMError(text)
                if error?.errorCode != "THIRD_PARTY_AUTH_ERROR" {
                    return .unauthorized(token: token, reason: "http_401 \(error?.summary ?? String(text.prefix(200)))")
                }
            }
            return .answered(Self.outcome(status: status, retryAfter: response.headers.first(name: "Retry-After"), body: text))
        } catch {
            return .answered(HTTPOutcome.unreachable(error))
        }
    }

    /// What an FCM answer means for the push.
    static func outcome(status: Int, retryAfter: String?, body: String) -> PushOutcome {
        // A success's body (the message's name) is not read: parsing it cost as much as writing the request.
        if (200..<300).contains(status) { return .accepted }
        let error = FCMError(body)
        let reason = "http_\(status) \(error?.summary ?? String(body.prefix(200)))"
        switch error?.code ?? "" {
        // The app was uninstalled or the token expired: it will never work again.
        case "UNREGISTERED": return .deviceGone(reason)
        // The token belongs to another Firebase project: this one can never reach it.
        case "SENDER_ID_MISMATCH": return .deviceGone(reason)
        // Firebase's "Manage FCM registration tokens": with a valid payload, INVALID_ARGUMENT about `message.token`
        // means the token is not one FCM ever issued, and it is safe to delete.
        case "INVALID_ARGUMENT" where error?.rejectsToken == true: return .deviceGone(reason)
        // The message itself is malformed: sending it again cannot help.
        case "INVALID_ARGUMENT": return .rejected(reason)
        // The project's APNs key or Web Push credentials are missing or wrong: dead-lettered, for admins to see.
        case "THIRD_PARTY_AUTH_ERROR": return .rejected(reason)
        case "QUOTA_EXCEEDED", "UNAVAILABLE", "INTERNAL": return .retry(reason, retryAfter: RetryAfter.seconds(retryAfter))
        default: break
        }
        // Our token, refused again after a fresh one: the retry schedule decides.
        if status == 401 { return .retry(reason, retryAfter: nil) }
        // A 404 without FCM's UNREGISTERED (a wrong project id, a wrong URL) says nothing about the device, so it is
        // not removed: it falls to the common rules, rejected.
        return HTTPOutcome.common(status: status, retryAfter: retryAfter, body: error?.summary ?? body)
    }

    /// The request body: `{"message": …}`, a `projects.messages` resource for one registration token. FCM refuses a
    /// message over 4 KB, so a long text is cut rather than the push refused.
    ///
    /// Written field by field: an `Encodable` walk took a tenth of the server's CPU when an announcement went to a
    /// thousand phones.
    static func body(_ message: PushMessage, token: String, at instant: Date) -> [UInt8] {
        let bytes = write(message, token: token, title: message.title, body: message.body, at: instant)
        guard bytes.count > 4096 else { return bytes }
        return write(message, token: token, title: String(message.title.prefix(100)), body: String(message.body.prefix(1_000)), at: instant)
    }

    /// The longest TTL FCM takes: 28 days.
    static let maxTTL = 2_419_200

    private static func write(_ push: PushMessage, token: String, title: String, body: String, at instant: Date) -> [UInt8] {
        // A TTL FCM takes: a google.protobuf.Duration in JSON (whole seconds with an `s`), none for a push already due
        // to expire, at most 28 days.
        let ttl = Int(max(0, min(push.expiresAt.timeIntervalSince(instant), TimeInterval(maxTTL))))
        var json = JSONWriter()
        json.object { root in
            root.object("message") { message in
                message.field("token", token)
                message.object("notification") { notification in
                    notification.field("title", title)
                    notification.field("body", body)
                }
                message.field("data", push.data)
                message.object("android") { android in
                    android.field("collapse_key", push.collapseKey)
                    android.field("priority", push.highPriority ? "HIGH" : "NORMAL")
                    android.field("ttl", "\(ttl)s")
                    // A newer notification with the same tag replaces the shown one: one per channel, as on the other
                    // platforms.
                    android.object("notification") { notification in
                        notification.field("tag", push.collapseKey)
                        notification.field("notification_count", push.badge)
                    }
                }
                message.object("apns") { apns in
                    apns.object("headers") { headers in
                        headers.field("apns-collapse-id", push.collapseKey)
                        headers.field("apns-expiration", String(Int(push.expiresAt.timeIntervalSince1970)))
                        headers.field("apns-priority", push.highPriority ? "10" : "5")
                    }
                    apns.object("payload") { payload in
                        payload.object("aps") { aps in
                            aps.field("badge", push.badge)
                            aps.field("thread-id", push.collapseKey)
                        }
                    }
                }
            }
        }
        return json.bytes
    }

    /// An FCM error answer: a `google.rpc.Status` (`error.status`, `error.message`) whose `details` carry FCM's
    /// `FcmError` (`errorCode`) and, for a bad field, a `google.rpc.BadRequest`.
    struct FCMError: Equatable {
        /// The canonical status: `NOT_FOUND`, `RESOURCE_EXHAUSTED`, …
        var status: String?
        /// FCM's own code: `UNREGISTERED`, `QUOTA_EXCEEDED`, …
        var errorCode: String?
        var message: String?
        /// A `BadRequest` field violation names `message.token`.
        var rejectsToken: Bool

        static let fcmErrorType = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
        static let badRequestType = "type.googleapis.com/google.rpc.BadRequest"

        init?(_ body: String) {
            guard let data = body.data(using: .utf8), let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                let error = root["error"] as? [String: Any]
            else { return nil }
            status = error["status"] as? String
            message = error["message"] as? String
            errorCode = nil
            rejectsToken = false
            for detail in error["details"] as? [[String: Any]] ?? [] {
                switch detail["@type"] as? String ?? "" {
                case Self.fcmErrorType:
                    errorCode = detail["errorCode"] as? String
                case Self.badRequestType:
                    let fields = (detail["fieldViolations"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                    if fields.contains("message.token") { rejectsToken = true }
                default:
                    break
                }
            }
        }

        /// FCM's code when it gives one (the documented way to tell its errors apart), else the canonical status.
        var code: String? { errorCode ?? status }

        /// For the job's error column.
        var summary: String {
            [code, message.map { String($0.prefix(160)) }].compactMap { $0 }.joined(separator: " ")
        }
    }
}
