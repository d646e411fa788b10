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
        /// Customers made, by id: their e-mail.
        var customers: [String: String] = [:]
        /// SetupIntents, by id: their customer, status and payment method once confirmed.
        var setups: [String: (customer: String, status: String, paymentMethod: String?)] = [:]
        /// Off-session PaymentIntents asked for: their customer.
        var offSession: [String] = []
        /// Whether PaymentIntents' answers are held back.
        var holding = false
        /// Payment methods taken off their customers.
        var detached: [String] = []
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
            let answer = service.createIntent(headers: request.headers, form: String(buffer: body))
            // Charged (and the answer kept for the key), but the answer waits: the asking server may die meanwhile.
            while service.holding { try await Task.sleep(for: .milliseconds(20)) }
            return answer
        }
        router.post("/v1/refunds") { request, _ -> Response in
            guard let service = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let body = try await request.body.collect(upTo: 1 << 16)
            return service.createRefund(headers: request.headers, form: String(buffer: body))
        }
        router.post("/v1/customers") { request, _ -> Response in
            guard let service = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let body = try await request.body.collect(upTo: 1 << 16)
            return service.createCustomer(headers: request.headers, form: String(buffer: body))
        }
        router.post("/v1/setup_intents") { request, _ -> Response in
            guard let service = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let body = try await request.body.collect(upTo: 1 << 16)
            return service.createSetup(headers: request.headers, form: String(buffer: body))
        }
        router.get("/v1/setup_intents/{id}") { request, context -> Response in
            guard let service = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return service.readSetup(headers: request.headers, id: context.parameters.get("id") ?? "")
        }
        router.post("/v1/payment_methods/{id}/detach") { request, context -> Response in
            guard let service = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return service.detach(headers: request.headers, id: context.parameters.get("id") ?? "")
        }
        router.get("/v1/payment_methods/{id}") { request, context -> Response in
            guard let service = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return service.readMethod(headers: request.headers, id: context.parameters.get("id") ?? "")
        }
        return try await withLiveServer({
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: $0)
        }) {
            client in
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
        let offSession = form["off_session"] == "true"
        if offSession {
            // Stripe charges a saved card off-session only with its customer, to which the method is attached.
            guard let customer = form["customer"], state.withLock({ $0.customers[customer] != nil }) else {
                return refuse(400, "invalid_request_error", "off_session needs the customer the payment method is attached to")
            }
            state.withLock { $0.offSession.append(customer) }
        }
        switch method {
        case "pm_card_authenticationRequired" where offSession:
            let failed = Self.intentJSON(intent, status: "requires_payment_method")
            (status, body) = (
                402,
                #"{"error":{"type":"card_error","code":"authentication_required","message":"This payment requires authentication.","payment_intent":\#(failed)}}"#
            )
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

    /// From now on, PaymentIntents are made and charged but their answers wait until ``release()``.
    func hold() { state.withLock { $0.holding = true } }
    func release() { state.withLock { $0.holding = false } }
    var holding: Bool { state.withLock { $0.holding } }

    /// Off-session payments asked for, by customer.
    var offSessionCharges: [String] { state.withLock { $0.offSession } }

    /// What the member's app does with Stripe's SDK: confirms the setup with a card (`pm_card_visa`, …).
    func confirmSetup(_ id: String, paymentMethod: String) {
        state.withLock { state in
            guard let setup = state.setups[id] else { return }
            state.setups[id] = (setup.customer, "succeeded", paymentMethod)
        }
    }

    /// Checks a POST's key, content type and idempotency; the earlier answer when the key was used with this form.
    private func checkedPost(headers: HTTPFields, form: [String: String]) -> (key: String, earlier: Response?)? {
        guard headers[.authorization] == "Bearer \(secretKey)", headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true,
            let key = headers[HTTPField.Name("Idempotency-Key")!], !key.isEmpty
        else { return nil }
        guard let earlier = state.withLock({ $0.answered[key] }) else { return (key, nil) }
        guard earlier.form == form else {
            return (
                key,
                Self.json(
                    400,
                    #"{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}"#
                )
            )
        }
        return (key, Self.json(earlier.status, earlier.body))
    }

    private func createCustomer(headers: HTTPFields, form raw: String) -> Response {
        let form = Self.parse(raw)
        guard let (key, earlier) = checkedPost(headers: headers, form: form) else {
            return refuse(400, "invalid_request_error", "a POST needs the key, form encoding and an Idempotency-Key")
        }
        if let earlier { return earlier }
        guard let email = form["email"], email.contains("@"), form["metadata[chamber_id]"] != nil, form["metadata[user_id]"] != nil else {
            return refuse(400, "invalid_request_error", "missing or malformed parameters: \(form)")
        }
        let id = "cus_" + UUID().uuidString.prefix(14).replacingOccurrences(of: "-", with: "")
        let body = #"{"id":"\#(id)","object":"customer","email":"\#(email)"}"#
        state.withLock { state in
            state.customers[id] = email
            state.answered[key] = (form, 200, body)
        }
        return Self.json(200, body)
    }

    private func createSetup(headers: HTTPFields, form raw: String) -> Response {
        let form = Self.parse(raw)
        guard let (key, earlier) = checkedPost(headers: headers, form: form) else {
            return refuse(400, "invalid_request_error", "a POST needs the key, form encoding and an Idempotency-Key")
        }
        if let earlier { return earlier }
        guard let customer = form["customer"], state.withLock({ $0.customers[customer] != nil }), form["usage"] == "off_session",
            form["payment_method_types[]"] == "card"
        else { return refuse(400, "invalid_request_error", "missing or malformed parameters: \(form)") }
        let id = "seti_" + UUID().uuidString.prefix(24).replacingOccurrences(of: "-", with: "")
        let body =
            #"{"id":"\#(id)","object":"setup_intent","customer":"\#(customer)","status":"requires_payment_method","client_secret":"\#(id)_secret_\#(UUID().uuidString.prefix(8))","usage":"off_session"}"#
        state.withLock { state in
            state.setups[id] = (customer, "requires_payment_method", nil)
            state.answered[key] = (form, 200, body)
        }
        return Self.json(200, body)
    }

    private func readSetup(headers: HTTPFields, id: String) -> Response {
        guard headers[.authorization] == "Bearer \(secretKey)" else { return refuse(401, "authentication_error", "Invalid API Key provided") }
        guard let setup = state.withLock({ $0.setups[id] }) else { return refuse(404, "invalid_request_error", "No such setupintent: '\(id)'") }
        let method = setup.paymentMethod.map { #""\#($0)""# } ?? "null"
        return Self.json(
            200, #"{"id":"\#(id)","object":"setup_intent","customer":"\#(setup.customer)","status":"\#(setup.status)","payment_method":\#(method)}"#)
    }

    /// Payment methods taken off their customers.
    var detached: [String] { state.withLock { $0.detached } }

    private func detach(headers: HTTPFields, id: String) -> Response {
        guard headers[.authorization] == "Bearer \(secretKey)", headers[HTTPField.Name("Idempotency-Key")!]?.isEmpty == false else {
            return refuse(400, "invalid_request_error", "a POST needs the key and an Idempotency-Key")
        }
        state.withLock { $0.detached.append(id) }
        return Self.json(200, #"{"id":"\#(id)","object":"payment_method","customer":null}"#)
    }

    private func readMethod(headers: HTTPFields, id: String) -> Response {
        guard headers[.authorization] == "Bearer \(secretKey)" else { return refuse(401, "authentication_error", "Invalid API Key provided") }
        let cards = [
            "pm_card_visa": ("visa", "4242"), "pm_card_mastercard": ("mastercard", "4444"), "pm_card_authenticationRequired": ("visa", "3184"),
        ]
        guard let (brand, last4) = cards[id] else { return refuse(404, "invalid_request_error", "No such PaymentMethod: '\(id)'") }
        return Self.json(
            200,
            #"{"id":"\#(id)","object":"payment_method","type":"card","card":{"brand":"\#(brand)","last4":"\#(last4)","exp_month":12,"exp_year":2030}}"#
        )
    }

    private func createRefund(headers: HTTPFields, form raw: String) -> Response {
        guard headers[.authorization] == "Bearer \(secretKey)" else { return refuse(401, "authentication_error", "Invalid API Key provided") }
        if state.withLock({ state in
            guard state.rateLimited > 0 else { return false }
            state.rateLimited -= 1
            return true
        }) {
            return Self.json(429, #"{"error":{"type":"rate_limit_error","message":"Too many requests hit the API too quickly."}}"#)
        }
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
