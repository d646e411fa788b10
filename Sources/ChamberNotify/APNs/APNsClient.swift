import AsyncHTTPClient
import ChamberDomain
import Foundation
import NIOCore
import NIOHTTP1

/// Sends pushes to Apple devices through the APNs provider API: HTTP/2 (AsyncHTTPClient keeps one connection per
/// APNs host and multiplexes every push on it as a stream), token-based auth, and the request and answers Apple
/// documents in "Sending notification requests to APNs" and "Handling notification responses from APNs".
///
/// The payload is the `aps` dictionary with the deep-link data beside it, as `Protocol/push.md` describes.
public struct APNsClient: PushProvider {
    /// Apple's hosts; tests give their own.
    public struct Endpoints: Sendable {
        public var production: String
        public var sandbox: String

        public init(production: String = "https://api.push.apple.com", sandbox: String = "https://api.sandbox.push.apple.com") {
            self.production = production
            self.sandbox = sandbox
        }
    }

    private let http: HTTPClient
    private let token: APNsProviderToken
    private let endpoints: Endpoints
    private let timeout: TimeAmount

    /// - Parameter http: a client that negotiates HTTP/2 (the default `httpVersion` of `.automatic` does, by ALPN).
    public init(http: HTTPClient, token: APNsProviderToken, endpoints: Endpoints = Endpoints(), timeout: TimeAmount = .seconds(10)) {
        self.http = http
        self.token = token
        self.endpoints = endpoints
        self.timeout = timeout
    }

    public func send(_ message: PushMessage, to address: PushAddress) async -> PushOutcome {
        guard case .apns(let deviceToken, let topic, let environment) = address else { return .rejected("not_an_apns_device") }
        let base = environment == .production ? endpoints.production : endpoints.sandbox
        let body: Data
        let bearer: String
        do {
            body = try Self.payload(message)
            bearer = try token.token()
        } catch {
            return .rejected("cannot_build_request: \(error)")
        }
        var request = HTTPClientRequest(url: "\(base)/3/device/\(deviceToken)")
        request.method = .POST
        request.headers.add(name: "authorization", value: "bearer \(bearer)")
        request.headers.add(name: "apns-topic", value: topic)
        request.headers.add(name: "apns-push-type", value: "alert")
        request.headers.add(name: "apns-priority", value: message.highPriority ? "10" : "5")
        request.headers.add(name: "apns-expiration", value: String(Int(message.expiresAt.timeIntervalSince1970)))
        request.headers.add(name: "apns-collapse-id", value: message.collapseKey)
        // The same id on every attempt: Apple's logs and the device see one notification.
        if let pushID = message.data["push_id"] { request.headers.add(name: "apns-id", value: pushID) }
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await http.execute(request, timeout: timeout)
            let text = String(buffer: try await response.body.collect(upTo: 16 * 1024))
            let status = Int(response.status.code)
            let reason = Self.reason(text)
            switch (status, reason) {
            case (200, _):
                return .accepted
            // The app was removed or the token is not for this app or environment: it will never work again.
            case (410, _), (400, "BadDeviceToken"), (400, "DeviceTokenNotForTopic"):
                return .deviceGone("\(status) \(reason ?? "")")
            // Our token aged or was revoked: sign a new one and try again soon.
            case (403, "ExpiredProviderToken"), (403, "InvalidProviderToken"):
                token.invalidate(bearer)
                return .retry("403 \(reason ?? "")", retryAfter: nil)
            default:
                return HTTPOutcome.common(status: status, retryAfter: response.headers.first(name: "retry-after"), body: reason ?? text)
            }
        } catch {
            return HTTPOutcome.unreachable(error)
        }
    }

    /// `{"reason": "…"}` of an APNs error answer.
    static func reason(_ body: String) -> String? {
        guard let data = body.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["reason"] as? String
    }

    /// The JSON body: `aps` (alert, badge, sound, thread) and the deep-link data as top-level keys. APNs takes 4 KB;
    /// a long text is cut rather than the push refused.
    static func payload(_ message: PushMessage) throws -> Data {
        func encode(title: String, body: String) throws -> Data {
            var object: [String: Any] = message.data
            object["aps"] = [
                "alert": ["title": title, "body": body], "badge": message.badge, "sound": "default", "thread-id": message.collapseKey,
            ]
            return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        }
        let data = try encode(title: message.title, body: message.body)
        return data.count <= 4096 ? data : try encode(title: String(message.title.prefix(100)), body: String(message.body.prefix(1_000)))
    }
}
