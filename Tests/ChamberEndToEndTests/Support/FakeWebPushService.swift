import ChamberDomain
import ChamberNotify
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization

/// A push service as browsers' vendors run them (RFC 8030), on loopback: it holds subscriptions with their private
/// keys, checks each push's VAPID JWT (RFC 8292) and headers, decrypts its payload (RFC 8291) and keeps it; and
/// answers with the statuses a test scripts.
final class FakeWebPushService: Sendable {
    struct Subscription: Sendable {
        let id: String
        let key: P256.KeyAgreement.PrivateKey
        let auth: Data
    }

    /// One push as received, decrypted.
    struct Received: Sendable {
        let subscription: String
        let headers: HTTPFields
        let payload: JSON
    }

    private struct State {
        var subscriptions: [String: Subscription] = [:]
        /// Answers to give, per subscription, before the default 201.
        var scripted: [String: [(status: Int, retryAfter: String?)]] = [:]
        var received: [Received] = []
        var refused: [String] = []
        var attempts: [String: Int] = [:]
        var holding = false
        var held = 0
    }

    private let state = Mutex(State())
    let port: Int

    private init(port: Int) { self.port = port }

    /// Runs a push service for the duration of `body`.
    static func run<T: Sendable>(_ body: @escaping @Sendable (FakeWebPushService) async throws -> T) async throws -> T {
        let router = Router()
        let box = Mutex<FakeWebPushService?>(nil)
        router.post("/push/{id}") { request, context -> Response in
            guard let service = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let id = context.parameters.get("id") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            if await service.waitWhileHolding() { return Response(status: .serviceUnavailable) }
            return service.receive(id: id, headers: request.headers, body: Data(body.readableBytesView))
        }
        return try await withLiveServer({
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: $0)
        }) {
            client in
            let service = FakeWebPushService(port: client.port!)
            box.withLock { $0 = service }
            return try await body(service)
        }
    }

    /// A new subscription, as a browser's `PushSubscription.toJSON()` gives it.
    func subscribe() -> [String: Any] {
        let subscription = Subscription(
            id: UUID().uuidString.lowercased(), key: P256.KeyAgreement.PrivateKey(), auth: Data((0..<16).map { _ in .random(in: 0...255) }))
        state.withLock { $0.subscriptions[subscription.id] = subscription }
        return [
            "endpoint": "http://127.0.0.1:\(port)/push/\(subscription.id)", "expirationTime": NSNull(),
            "keys": ["p256dh": Base64URL.encode(subscription.key.publicKey.x963Representation), "auth": Base64URL.encode(subscription.auth)],
        ]
    }

    static func id(of subscription: [String: Any]) -> String {
        String((subscription["endpoint"] as? String ?? "").split(separator: "/").last ?? "")
    }

    /// The next answers to pushes for `subscription`, in order; after them, 201.
    func script(_ subscription: [String: Any], _ answers: [(status: Int, retryAfter: String?)]) {
        state.withLock { $0.scripted[Self.id(of: subscription), default: []] += answers }
    }

    var received: [Received] { state.withLock { $0.received } }
    func received(by subscription: [String: Any]) -> [Received] { received.filter { $0.subscription == Self.id(of: subscription) } }
    func attempts(for subscription: [String: Any]) -> Int { state.withLock { $0.attempts[Self.id(of: subscription)] ?? 0 } }
    /// Pushes refused as malformed, with why: a test fails when there is any.
    var refused: [String] { state.withLock { $0.refused } }

    /// From now on pushes are left unanswered (a service that hangs); ``release()`` answers them 503, undelivered.
    func hold() { state.withLock { $0.holding = true } }
    func release() { state.withLock { $0.holding = false } }
    /// Pushes that arrived while held.
    var held: Int { state.withLock { $0.held } }

    /// Whether the push arrived while held (it is then not delivered).
    private func waitWhileHolding() async -> Bool {
        let holding = state.withLock { state in
            if state.holding { state.held += 1 }
            return state.holding
        }
        guard holding else { return false }
        while state.withLock({ $0.holding }) { try? await Task.sleep(for: .milliseconds(20)) }
        return true
    }

    private func receive(id: String, headers: HTTPFields, body: Data) -> Response {
        let (subscription, answer) = state.withLock { state -> (Subscription?, (status: Int, retryAfter: String?)?) in
            state.attempts[id, default: 0] += 1
            let answer = state.scripted[id]?.isEmpty == false ? state.scripted[id]!.removeFirst() : nil
            return (state.subscriptions[id], answer)
        }
        guard let subscription else { return Response(status: .gone) }
        if let answer {
            var fields = HTTPFields()
            if let retryAfter = answer.retryAfter { fields[HTTPField.Name("Retry-After")!] = retryAfter }
            return Response(status: .init(code: answer.status), headers: fields)
        }
        do {
            try Self.checkVAPID(headers, audience: "http://127.0.0.1:\(port)")
            guard headers[HTTPField.Name("Content-Encoding")!] == "aes128gcm" else { throw Refusal("Content-Encoding is not aes128gcm") }
            guard let ttl = headers[HTTPField.Name("TTL")!].flatMap(Int.init), ttl >= 0 else { throw Refusal("no TTL") }
            guard ["very-low", "low", "normal", "high"].contains(headers[HTTPField.Name("Urgency")!] ?? "normal") else {
                throw Refusal("bad Urgency")
            }
            if let topic = headers[HTTPField.Name("Topic")!] {
                guard topic.count <= 32, topic.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    throw Refusal("Topic is not ≤ 32 base64url characters")
                }
            }
            let plaintext = try WebPushEncryption.decrypt(body, subscriberKey: subscription.key, authSecret: subscription.auth)
            let payload = try JSON.parse(plaintext)
            state.withLock { $0.received.append(Received(subscription: id, headers: headers, payload: payload)) }
            return Response(status: .created)
        } catch {
            state.withLock { $0.refused.append("\(error)") }
            return Response(status: .badRequest)
        }
    }

    struct Refusal: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// RFC 8292 §2–3: `vapid t=<JWT>, k=<key>`, the JWT signed by that key, for this origin, not expired, at most a day.
    static func checkVAPID(_ headers: HTTPFields, audience: String) throws {
        guard let header = headers[.authorization], header.hasPrefix("vapid ") else { throw Refusal("no vapid Authorization") }
        var token = ""
        var key = ""
        for part in header.dropFirst(6).split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("t=") { token = String(trimmed.dropFirst(2)) }
            if trimmed.hasPrefix("k=") { key = String(trimmed.dropFirst(2)) }
        }
        let pieces = token.split(separator: ".").map(String.init)
        guard pieces.count == 3, let keyBytes = Base64URL.decode(key), let publicKey = try? P256.Signing.PublicKey(x963Representation: keyBytes),
            let signatureBytes = Base64URL.decode(pieces[2]), let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes),
            publicKey.isValidSignature(signature, for: Data((pieces[0] + "." + pieces[1]).utf8))
        else { throw Refusal("VAPID JWT signature does not verify") }
        guard let claimsData = Base64URL.decode(pieces[1]), let claims = try JSONSerialization.jsonObject(with: claimsData) as? [String: Any],
            let exp = claims["exp"] as? Int
        else { throw Refusal("VAPID claims unreadable") }
        guard claims["aud"] as? String == audience else { throw Refusal("VAPID aud \(claims["aud"] ?? "none") is not \(audience)") }
        let now = Int(Date().timeIntervalSince1970)
        guard exp > now, exp <= now + 86_400 + 60 else { throw Refusal("VAPID exp out of range") }
        guard let sub = claims["sub"] as? String, sub.hasPrefix("mailto:") || sub.hasPrefix("https:") else { throw Refusal("VAPID sub missing") }
    }
}
