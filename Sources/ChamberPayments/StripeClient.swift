import AsyncHTTPClient
import ChamberDomain
import Foundation
import NIOCore
import NIOHTTP1

/// Card payments through Stripe's API (or a processor speaking it), as its reference describes: a PaymentIntent
/// created and confirmed in one `POST /v1/payment_intents` (form-encoded, the secret key as bearer, an
/// `Idempotency-Key` on every POST so a retry charges once), the invoice and chamber in its metadata for the
/// webhook to find them; off-session for a saved card. Saved cards: a Customer per member, a SetupIntent
/// (`usage=off_session`) the app confirms, read back with the PaymentMethod's card. Card errors (402) are declines;
/// rate limits, idempotency errors and outages are thrown.
public struct StripeClient: PaymentProvider {
    private let http: HTTPClient
    private let secretKey: String
    private let apiBase: String
    private let timeout: TimeAmount

    /// The API version this client is written to.
    public static let apiVersion = "2024-06-20"

    public init(http: HTTPClient, secretKey: String, apiBase: String = "https://api.stripe.com", timeout: TimeAmount = .seconds(30)) {
        self.http = http
        self.secretKey = secretKey
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.timeout = timeout
    }

    public func charge(_ charge: CardCharge) async throws -> CardChargeOutcome {
        let (status, body) = try await post("/v1/payment_intents", form: Self.form(charge), idempotencyKey: charge.idempotencyKey)
        return try Self.outcome(status: status, body: body)
    }

    /// `POST /v1/refunds` of part or all of a PaymentIntent.
    public func refund(paymentID: String, amountMinor: Int64, idempotencyKey: String) async throws -> String {
        let form = [("payment_intent", paymentID), ("amount", String(amountMinor))].map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }
            .joined(separator: "&")
        let (status, body) = try await post("/v1/refunds", form: form, idempotencyKey: idempotencyKey)
        struct Refund: Decodable {
            let id: String
            let status: String?
        }
        guard (200..<300).contains(status), let refund = try? JSONDecoder().decode(Refund.self, from: body), refund.status != "failed" else {
            let detail = try? JSONDecoder.snakeCase.decode(ErrorBody.self, from: body).error
            throw ChamberError(.paymentProviderUnavailable, "the card processor refused the refund (\(status)): \(detail?.message ?? "")")
        }
        return refund.id
    }

    public func createCustomer(email: String, name: String, metadata: [String: String], idempotencyKey: String) async throws -> String {
        let fields = [("email", email), ("name", name)] + metadata.sorted { $0.key < $1.key }.map { ("metadata[\($0.key)]", $0.value) }
        let (status, body) = try await post("/v1/customers", form: Self.encode(fields), idempotencyKey: idempotencyKey)
        struct Customer: Decodable { let id: String }
        guard (200..<300).contains(status), let customer = try? JSONDecoder().decode(Customer.self, from: body) else {
            throw Self.failure(status, body, "the customer")
        }
        return customer.id
    }

    public func createCardSetup(customer: String, metadata: [String: String], idempotencyKey: String) async throws -> CardSetup {
        let fields =
            [("customer", customer), ("usage", "off_session"), ("payment_method_types[]", "card")]
            + metadata.sorted { $0.key < $1.key }.map { ("metadata[\($0.key)]", $0.value) }
        let (status, body) = try await post("/v1/setup_intents", form: Self.encode(fields), idempotencyKey: idempotencyKey)
        guard (200..<300).contains(status), let setup = try? JSONDecoder.snakeCase.decode(SetupIntent.self, from: body),
            let secret = setup.clientSecret
        else { throw Self.failure(status, body, "the card setup") }
        return CardSetup(id: setup.id, clientSecret: secret, customerID: setup.customer ?? customer)
    }

    public func cardSetup(id: String) async throws -> CardSetupState {
        let (status, body) = try await get("/v1/setup_intents/\(Self.encode(id))")
        guard (200..<300).contains(status), let setup = try? JSONDecoder.snakeCase.decode(SetupIntent.self, from: body) else {
            throw Self.failure(status, body, "the card setup")
        }
        return CardSetupState(status: setup.status ?? "", customerID: setup.customer, paymentMethodID: setup.paymentMethod)
    }

    public func card(paymentMethod: String) async throws -> CardDetails {
        let (status, body) = try await get("/v1/payment_methods/\(Self.encode(paymentMethod))")
        struct Method: Decodable {
            struct Card: Decodable {
                let brand: String
                let last4: String
                let expMonth: Int
                let expYear: Int
            }
            let card: Card?
        }
        guard (200..<300).contains(status), let card = (try? JSONDecoder.snakeCase.decode(Method.self, from: body))?.card else {
            throw Self.failure(status, body, "the card")
        }
        return CardDetails(brand: card.brand, last4: card.last4, expMonth: card.expMonth, expYear: card.expYear)
    }

    /// `POST /v1/payment_methods/{id}/detach`; a method detached already is not an error.
    public func detach(paymentMethod: String, idempotencyKey: String) async throws {
        let (status, body) = try await post("/v1/payment_methods/\(Self.encode(paymentMethod))/detach", form: "", idempotencyKey: idempotencyKey)
        guard (200..<300).contains(status) || status == 404 else { throw Self.failure(status, body, "to detach the card") }
    }

    struct SetupIntent: Decodable {
        let id: String
        let status: String?
        let customer: String?
        let paymentMethod: String?
        let clientSecret: String?
    }

    private static func failure(_ status: UInt, _ body: Data, _ what: String) -> ChamberError {
        let detail = try? JSONDecoder.snakeCase.decode(ErrorBody.self, from: body).error
        return ChamberError(.paymentProviderUnavailable, "the card processor refused \(what) (\(status)): \(detail?.message ?? "")")
    }

    private func get(_ path: String) async throws -> (UInt, Data) {
        var request = HTTPClientRequest(url: "\(apiBase)\(path)")
        request.method = .GET
        request.headers.add(name: "Authorization", value: "Bearer \(secretKey)")
        request.headers.add(name: "Stripe-Version", value: Self.apiVersion)
        do {
            let response = try await http.execute(request, timeout: timeout)
            return (response.status.code, Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView))
        } catch {
            throw ChamberError(.paymentProviderUnavailable, "the card processor did not answer: \(error)")
        }
    }

    private func post(_ path: String, form: String, idempotencyKey: String) async throws -> (UInt, Data) {
        var request = HTTPClientRequest(url: "\(apiBase)\(path)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(secretKey)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        request.headers.add(name: "Stripe-Version", value: Self.apiVersion)
        request.body = .bytes(ByteBuffer(string: form))
        do {
            let response = try await http.execute(request, timeout: timeout)
            return (response.status.code, Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView))
        } catch {
            throw ChamberError(.paymentProviderUnavailable, "the card processor did not answer: \(error)")
        }
    }

    /// The request's form: Stripe's bracketed keys for nested fields.
    static func form(_ charge: CardCharge) -> String {
        var fields: [(String, String)] = [
            ("amount", String(charge.amountMinor)), ("currency", charge.currency.code.lowercased()), ("payment_method", charge.paymentMethod),
            ("payment_method_types[]", "card"), ("confirm", "true"), ("description", charge.description),
            ("metadata[invoice_id]", charge.invoiceID.rawValue), ("metadata[chamber_id]", charge.chamberID.rawValue),
        ]
        if let customer = charge.customer { fields.append(("customer", customer)) }
        if charge.offSession { fields.append(("off_session", "true")) }
        return encode(fields)
    }

    private static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            let type: String?
            let code: String?
            let declineCode: String?
            let message: String?
            let paymentIntent: StripeEvent.PaymentIntent?
        }
        let error: Detail
    }

    static func outcome(status: UInt, body: Data) throws -> CardChargeOutcome {
        let decoder = JSONDecoder.snakeCase
        switch status {
        case 200..<300:
            guard let intent = try? decoder.decode(StripeEvent.PaymentIntent.self, from: body), let id = intent.id else {
                throw ChamberError(.paymentProviderUnavailable, "the card processor answered \(status) without a PaymentIntent")
            }
            switch intent.status {
            case "succeeded": return .succeeded(paymentID: id)
            case "requires_action", "requires_confirmation": return .requiresAction(paymentID: id, clientSecret: intent.clientSecret)
            case "processing": return .processing(paymentID: id)
            default:
                let failure = intent.lastPaymentError
                return .declined(
                    paymentID: id, code: failure?.declineCode ?? failure?.code ?? intent.status ?? "payment_failed",
                    message: failure?.message ?? "the payment was not completed")
            }
        case 402:
            let detail = try? decoder.decode(ErrorBody.self, from: body).error
            return .declined(
                paymentID: detail?.paymentIntent?.id ?? nil, code: detail?.declineCode ?? detail?.code ?? "card_declined",
                message: detail?.message ?? "the card was declined")
        default:
            let detail = try? decoder.decode(ErrorBody.self, from: body).error
            if detail?.type == "idempotency_error" {
                throw ChamberError(
                    .idempotencyKeyReused, "this Idempotency-Key was used for another payment; use a new key", field: "Idempotency-Key")
            }
            let why = status == 429 ? "is limiting requests; retry with the same key" : "answered \(status)"
            throw ChamberError(.paymentProviderUnavailable, "the card processor \(why): \(detail?.message ?? "")")
        }
    }
}

extension JSONDecoder {
    /// A decoder of Stripe's snake_case JSON.
    static var snakeCase: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}
