import AsyncHTTPClient
import ChamberPayments
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Synchronization

/// Stripe's API as its reference describes it, on loopback, for the parts billing uses: `POST /v1/payment_intents`
/// (form-encoded, the secret key as bearer, `Idempotency-Key` required here and honoured as Stripe does: the same key
/// and parameters answer the first answer, other parameters are an `idempotency_error`), Stripe's test payment
/// methods (`pm_card_visa` succeeds, `pm_card_chargeDeclined…` are declined with 402 `card_error`,
/// `pm_card_authenticationRequired` needs 3-D Secure), rate limiting on demand; and the webhooks Stripe sends,
/// signed as Stripe signs them.
final class FakeStripeService: Sendable {
    struct Intent: Sendable {
        let id: String
        let amount: Int64
        let currency: String
        let metadata: [String: String]
    }

    private struct State {
        var intents: [String: Intent] = [:]
        /// Idempotency key → the request's parameters and the answer given.
        var answered: [String: (form: [String: String], status: Int, body: String)] = [:]
        /// Refunds given, by PaymentIntent: their amounts.
        var refunds: [String: [Int64]] = [:]
        var rateLimited = 0
        var requests = 0
        var refused: [String] = []
    }

    private let state = Mutex(State())
    let port: Int
    let secretKey = "sk_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
    let webhookSecret = "whsec_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")

    private init(port: Int) {
        self.port = port
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable (FakeStripeService) async throws -> T) async throws -> T {
        let router = Router()
        let box = Mutex<FakeStripeService?>(nil)
        router.post("/v1/payment_intents") { request, _ -> Response in
            guard let service = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let body = try await request.body.collect(upTo: 1 << 16)
            return service.createIntent(headers: request.headers, form: String(buffer: body))
        }
        router.post("/v1/refunds") { request, _ -> Response in
            guard let service = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let body = try await request.body.collect(upTo: 1 << 16)
            return service.createRefund(headers: request.headers, form: String(buffer: body))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in
            let service = FakeStripeService(port: client.port!)
            box.withLock { $0 = service }
            return try await body(service)
        }
    }

    var apiBase: String { "http://127.0.0.1:\(port)" }
    var intents: [Intent] { state.withLock { Array($0.intents.values) } }
    var refused: [String] { state.withLock { $0.refused } }
    /// Refunds given back to the card of `intent`.
    func refunds(of intent: String) -> [Int64] { state.withLock { $0.refunds[intent] ?? [] } }
    var requests: Int { state.withLock { $0.requests } }

    /// The next `count` requests are answered 429, as Stripe's rate limiter does.
    func rateLimitNext(_ count: Int) { state.withLock { $0.rateLimited += count } }

    /// A PaymentIntent that succeeded, made as if a server had asked for it and then stopped before it could record
    /// the answer.
    func succeededIntent(amount: Int64, currency: String, invoiceID: String, chamberID: String) -> Intent {
        let intent = Intent(
            id: "pi_" + UUID().uuidString.prefix(24).replacingOccurrences(of: "-", with: ""), amount: amount, currency: currency,
            metadata: ["invoice_id": invoiceID, "chamber_id": chamberID])
        state.withLock { $0.intents[intent.id] = intent }
        return intent
    }

    private func createIntent(headers: HTTPFields, form raw: String) -> Response {
        state.withLock { $0.requests += 1 }
        guard headers[.authorization] == "Bearer \(secretKey)" else { return refuse(401, "authentication_error", "Invalid API Key provided") }
        guard headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else {
            return refuse(400, "invalid_request_error", "Content-Type must be form-encoded")
        }
        guard let key = headers[HTTPField.Name("Idempotency-Key")!], !key.isEmpty else {
            return refuse(400, "invalid_request_error", "this fake requires an Idempotency-Key on every POST")
        }
        guard headers[HTTPField.Name("Stripe-Version")!] != nil else { return refuse(400, "invalid_request_error", "no Stripe-Version") }
        let form = Self.parse(raw)
        if state.withLock({ state in
            guard state.rateLimited > 0 else { return false }
            state.rateLimited -= 1
            return true
        }) {
            return Self.json(429, #"{"error":{"type":"rate_limit_error","message":"Too many requests hit the API too quickly."}}"#)
        }
        if let earlier = state.withLock({ $0.answered[key] }) {
            guard earlier.form == form else {
                return Self.json(
                    400,
                    #"{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}"#
                )
            }
            return Self.json(earlier.status, earlier.body)
        }
        guard let amount = form["amount"].flatMap(Int64.init), amount > 0, let currency = form["currency"], currency == currency.lowercased(),
            let method = form["payment_method"], form["confirm"] == "true", let invoice = form["metadata[invoice_id]"],
            let chamber = form["metadata[chamber_id]"]
        else { return refuse(400, "invalid_request_error", "missing or malformed parameters: \(form)") }
        let intent = Intent(
            id: "pi_" + UUID().uuidString.prefix(24).replacingOccurrences(of: "-", with: ""), amount: amount, currency: currency,
            metadata: ["invoice_id": invoice, "chamber_id": chamber])
        let (status, body): (Int, String)
        switch method {
        case "pm_card_visa", "pm_card_mastercard":
            state.withLock { $0.intents[intent.id] = intent }
            (status, body) = (200, Self.intentJSON(intent, status: "succeeded"))
        case "pm_card_authenticationRequired":
            state.withLock { $0.intents[intent.id] = intent }
            (status, body) = (200, Self.intentJSON(intent, status: "requires_action", clientSecret: "\(intent.id)_secret_x"))
        case "pm_card_chargeDeclined", "pm_card_chargeDeclinedInsufficientFunds":
            let decline = method.hasSuffix("InsufficientFunds") ? "insufficient_funds" : "generic_decline"
            let failed = Self.intentJSON(intent, status: "requires_payment_method")
            (status, body) = (
                402,
                #"{"error":{"type":"card_error","code":"card_declined","decline_code":"\#(decline)","message":"Your card was declined.","payment_intent":\#(failed)}}"#
            )
        default:
            return refuse(400, "invalid_request_error", "No such PaymentMethod: '\(method)'")
        }
        state.withLock { $0.answered[key] = (form, status, body) }
        return Self.json(status, body)
    }

    private func createRefund(headers: HTTPFields, form raw: String) -> Response {
        guard headers[.authorization] == "Bearer \(secretKey)" else { return refuse(401, "authentication_error", "Invalid API Key provided") }
        guard let key = headers[HTTPField.Name("Idempotency-Key")!], !key.isEmpty else {
            return refuse(400, "invalid_request_error", "this fake requires an Idempotency-Key on every POST")
        }
        let form = Self.parse(raw)
        if let earlier = state.withLock({ $0.answered[key] }) {
            guard earlier.form == form else {
                return Self.json(
                    400,
                    #"{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}"#
                )
            }
            return Self.json(earlier.status, earlier.body)
        }
        guard let intentID = form["payment_intent"], let amount = form["amount"].flatMap(Int64.init), amount > 0,
            let intent = state.withLock({ $0.intents[intentID] })
        else { return refuse(400, "invalid_request_error", "No such payment_intent, or a bad amount: \(form)") }
        let given = state.withLock { ($0.refunds[intentID] ?? []).reduce(0, +) }
        guard given + amount <= intent.amount else {
            return refuse(400, "invalid_request_error", "Refund amount is greater than unrefunded amount on charge")
        }
        let id = "re_" + UUID().uuidString.prefix(24).replacingOccurrences(of: "-", with: "")
        let body = #"{"id":"\#(id)","object":"refund","amount":\#(amount),"payment_intent":"\#(intentID)","status":"succeeded"}"#
        state.withLock { state in
            state.refunds[intentID, default: []].append(amount)
            state.answered[key] = (form, 200, body)
        }
        return Self.json(200, body)
    }

    /// A webhook event about `intent`, as Stripe sends it.
    func event(_ type: String, of intent: Intent, created: Date = Date(), id: String = "evt_\(UUID().uuidString.prefix(24))") -> [UInt8] {
        let failure =
            type == "payment_intent.payment_failed"
            ? #","last_payment_error":{"code":"card_declined","decline_code":"expired_card","message":"Your card has expired."}"# : ""
        let object =
            Self.intentJSON(intent, status: type == "payment_intent.succeeded" ? "succeeded" : "requires_payment_method")
            .dropLast() + failure + "}"
        return Array(
            #"{"id":"\#(id)","object":"event","api_version":"\#(StripeClient.apiVersion)","created":\#(Int(created.timeIntervalSince1970)),"livemode":false,"type":"\#(type)","data":{"object":\#(object)}}"#
                .utf8)
    }

    /// Delivers a webhook to the server at `url`, signed with `secret` at `timestamp` (now by default).
    func deliver(
        _ payload: [UInt8], to url: String, secret: String? = nil, timestamp: Date = Date(), signature: String? = nil
    ) async throws
        -> (status: Int, body: String)
    {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(
            name: "Stripe-Signature",
            value: signature
                ?? StripeWebhook.header(payload: payload, secret: secret ?? webhookSecret, timestamp: Int(timestamp.timeIntervalSince1970)))
        request.body = .bytes(ByteBuffer(bytes: payload))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 16)))
    }

    private static func intentJSON(_ intent: Intent, status: String, clientSecret: String? = nil) -> String {
        let metadata = intent.metadata.sorted { $0.key < $1.key }.map { #""\#($0.key)":"\#($0.value)""# }.joined(separator: ",")
        return
            #"{"id":"\#(intent.id)","object":"payment_intent","amount":\#(intent.amount),"currency":"\#(intent.currency)","status":"\#(status)","client_secret":\#(clientSecret.map { "\"\($0)\"" } ?? "null"),"metadata":{\#(metadata)}}"#
    }

    private func refuse(_ status: Int, _ type: String, _ message: String) -> Response {
        state.withLock { $0.refused.append(message) }
        return Self.json(status, #"{"error":{"type":"\#(type)","message":"\#(message.replacingOccurrences(of: "\"", with: "'"))"}}"#)
    }

    private static func json(_ status: Int, _ body: String) -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private static func parse(_ form: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }
}
