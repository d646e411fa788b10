import AsyncHTTPClient
import ChamberDomain
import Foundation
import NIOCore
import NIOHTTP1

/// Card payments through Stripe's API (or a processor speaking it), as its reference describes: a PaymentIntent
/// created and confirmed in one `POST /v1/payment_intents` (form-encoded, the secret key as bearer, an
/// `Idempotency-Key` on every POST so a retry charges once), the invoice and chamber in its metadata for the
/// webhook to find them. Card errors (402) are declines; rate limits, idempotency errors and outages are thrown.
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
        var request = HTTPClientRequest(url: "\(apiBase)/v1/payment_intents")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(secretKey)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Idempotency-Key", value: charge.idempotencyKey)
        request.headers.add(name: "Stripe-Version", value: Self.apiVersion)
        request.body = .bytes(ByteBuffer(string: Self.form(charge)))
        let status: UInt
        let body: Data
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = response.status.code
            body = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
        } catch {
            throw ChamberError(.paymentProviderUnavailable, "the card processor did not answer: \(error)")
        }
        return try Self.outcome(status: status, body: body)
    }

    /// The request's form: Stripe's bracketed keys for nested fields.
    static func form(_ charge: CardCharge) -> String {
        var fields: [(String, String)] = [
            ("amount", String(charge.amountMinor)), ("currency", charge.currency.code.lowercased()), ("payment_method", charge.paymentMethod),
            ("payment_method_types[]", "card"), ("confirm", "true"), ("description", charge.description),
            ("metadata[invoice_id]", charge.invoiceID.rawValue), ("metadata[chamber_id]", charge.chamberID.rawValue),
        ]
        if let customer = charge.customer { fields.append(("customer", customer)) }
        return fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
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
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        switch status {
        case 200..<300:
            guard let intent = try? decoder.decode(StripeEvent.PaymentIntent.self, from: body) else {
                throw ChamberError(.paymentProviderUnavailable, "the card processor answered \(status) without a PaymentIntent")
            }
            switch intent.status {
            case "succeeded": return .succeeded(paymentID: intent.id)
            case "requires_action", "requires_confirmation": return .requiresAction(paymentID: intent.id, clientSecret: intent.clientSecret)
            case "processing": return .processing(paymentID: intent.id)
            default:
                let failure = intent.lastPaymentError
                return .declined(
                    paymentID: intent.id, code: failure?.declineCode ?? failure?.code ?? intent.status ?? "payment_failed",
                    message: failure?.message ?? "the payment was not completed")
            }
        case 402:
            let detail = try? decoder.decode(ErrorBody.self, from: body).error
            return .declined(
                paymentID: detail?.paymentIntent?.id, code: detail?.declineCode ?? detail?.code ?? "card_declined",
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
