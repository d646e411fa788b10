import AsyncHTTPClient
import ChamberDomain
import Foundation
import NIOCore
import NIOHTTP1

/// Sends pushes to browsers through their push services (RFC 8030): the payload encrypted for the subscription
/// (RFC 8291), the server identified by VAPID (RFC 8292).
///
/// The payload is the JSON object `Protocol/push.md` documents for service workers.
public struct WebPushClient: PushProvider {
    private let http: HTTPClient
    private let vapid: VAPID
    private let timeout: TimeAmount

    public init(http: HTTPClient, vapid: VAPID, timeout: TimeAmount = .seconds(10)) {
        self.http = http
        self.vapid = vapid
        self.timeout = timeout
    }

    public func send(_ message: PushMessage, to address: PushAddress) async -> PushOutcome {
        guard case .webPush(let endpoint, let p256dh, let auth) = address, let url = URL(string: endpoint) else {
            return .rejected("not_a_web_push_subscription")
        }
        let instant = Date()
        let body: Data
        let authorization: String
        do {
            body = try WebPushEncryption.encrypt(Self.payload(message), subscriberKey: p256dh, authSecret: auth)
            authorization = try vapid.authorization(for: url, at: instant)
        } catch {
            return .rejected("cannot_encrypt: \(error)")
        }
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Content-Encoding", value: "aes128gcm")
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.headers.add(name: "TTL", value: String(max(0, Int(message.expiresAt.timeIntervalSince(instant)))))
        request.headers.add(name: "Urgency", value: message.highPriority ? "high" : "normal")
        // RFC 8030 §5.4: a newer push with the same topic replaces an undelivered one.
        request.headers.add(name: "Topic", value: message.collapseKey)
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await http.execute(request, timeout: timeout)
            let text = String(buffer: try await response.body.collect(upTo: 16 * 1024))
            switch response.status.code {
            // The subscription expired or was unsubscribed: the browser will not take pushes for it again.
            case 404, 410: return .deviceGone("http_\(response.status.code)")
            // Too big for this push service: it will not get smaller by waiting.
            case 413: return .rejected("http_413 payload too large")
            default:
                return HTTPOutcome.common(status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"), body: text)
            }
        } catch {
            return HTTPOutcome.unreachable(error)
        }
    }

    /// The JSON a service worker receives (`Protocol/push.md`).
    static func payload(_ message: PushMessage) throws -> Data {
        struct Payload: Encodable {
            let title: String
            let body: String
            let badge: Int
            let tag: String
            let data: [String: String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var payload = Payload(title: message.title, body: message.body, badge: message.badge, tag: message.collapseKey, data: message.data)
        var data = try encoder.encode(payload)
        // One record holds 3,993 bytes: a long text is cut rather than the push refused.
        if data.count > WebPushEncryption.maxPlaintextLength {
            payload = Payload(
                title: String(message.title.prefix(100)), body: String(message.body.prefix(1_000)), badge: message.badge, tag: message.collapseKey,
                data: message.data)
            data = try encoder.encode(payload)
        }
        return data
    }
}
