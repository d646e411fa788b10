import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization

/// A chamber's integration on loopback: takes webhook POSTs, checks each signature the way the documentation tells
/// integrators to (HMAC-SHA256 of `t.body` with the endpoint's secret, `t` near now), and answers as the test
/// scripts it (failing the first attempts, then taking them).
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        let eventID: String
        let type: String
        let deliveryID: String
        let body: String
        /// Whether the signature checked out with the secret the test set.
        let signed: Bool
        let json: JSON
    }

    private struct State {
        var secret = ""
        var received: [Received] = []
        /// Statuses to answer, in turn; 200 once they run out.
        var script: [Int] = []
    }

    private let state = Mutex(State())
    let port: Int

    private init(port: Int) { self.port = port }

    var url: String { "http://127.0.0.1:\(port)/hooks" }
    var received: [Received] { state.withLock { $0.received } }

    func expect(secret: String) { state.withLock { $0.secret = secret } }
    func answer(_ statuses: [Int]) { state.withLock { $0.script = statuses } }

    static func run<T: Sendable>(_ body: @escaping @Sendable (WebhookReceiver) async throws -> T) async throws -> T {
        let router = Router()
        let box = Mutex<WebhookReceiver?>(nil)
        router.post("/hooks") { request, _ -> Response in
            guard let receiver = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let bytes = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .init(code: receiver.take(headers: request.headers, body: String(buffer: bytes))))
        }
        return try await withLiveServer({
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: $0)
        }) {
            client in
            let receiver = WebhookReceiver(port: client.port!)
            box.withLock { $0 = receiver }
            return try await body(receiver)
        }
    }

    private func take(headers: HTTPFields, body: String) -> Int {
        func header(_ name: String) -> String { headers[HTTPField.Name(name)!] ?? "" }
        return state.withLock { state in
            state.received.append(
                Received(
                    eventID: header("ChamberConnect-Event-Id"), type: header("ChamberConnect-Event-Type"),
                    deliveryID: header("ChamberConnect-Delivery-Id"), body: body,
                    signed: Self.verify(header("ChamberConnect-Signature"), body: body, secret: state.secret),
                    json: (try? JSON.parse(Data(body.utf8))) ?? JSON(any: [:])))
            return state.script.isEmpty ? 200 : state.script.removeFirst()
        }
    }

    /// `t=<unix>,v1=<hex>`: the MAC of `t.body` under `secret`, `t` within five minutes of now.
    static func verify(_ header: String, body: String, secret: String) -> Bool {
        var timestamp: Int?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) }
            if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, abs(Int(Date().timeIntervalSince1970) - timestamp) <= 300, !secret.isEmpty else { return false }
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        let expected = mac.map { String(format: "%02x", $0) }.joined()
        return signatures.contains(expected)
    }
}
