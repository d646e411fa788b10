import ChamberDomain
import Foundation

/// Stripe's `Event` object as a webhook delivers it (`id`, `type`, `created`, `data.object`), read into billing's
/// terms. Billing acts on `payment_intent.succeeded` and `payment_intent.payment_failed`; any other type is kept
/// as `other` (it may still be a duplicate to recognise).
enum StripeEvent {
    struct Envelope: Decodable {
        struct Payload: Decodable {
            /// Any object: a PaymentIntent's fields, read where they are present.
            let object: PaymentIntent
        }
        let id: String
        let type: String
        let created: Int
        let data: Payload
    }

    struct PaymentIntent: Decodable {
        struct Failure: Decodable {
            let code: String?
            let declineCode: String?
            let message: String?
        }
        /// Absent on objects without one (`balance.available`'s balance).
        let id: String?
        let amount: Int64?
        /// What was captured; billing records this when present.
        let amountReceived: Int64?
        let currency: String?
        let status: String?
        let metadata: [String: String]?
        let lastPaymentError: Failure?
        let clientSecret: String?
    }

    static func read(_ payload: [UInt8]) throws(ChamberError) -> PaymentEvent {
        let decoder = JSONDecoder.snakeCase
        let envelope: Envelope
        do {
            envelope = try decoder.decode(Envelope.self, from: Data(payload))
        } catch {
            throw ChamberError(.validationFailed, "not a Stripe event (id, type, created, data.object): \(error)")
        }
        let intent = envelope.data.object
        let kind: PaymentEvent.Kind
        switch (intent.id != nil, envelope.type) {
        case (true, "payment_intent.succeeded"): kind = .succeeded
        case (true, "payment_intent.payment_failed"):
            kind = .failed(
                code: intent.lastPaymentError?.declineCode ?? intent.lastPaymentError?.code ?? "payment_failed",
                message: intent.lastPaymentError?.message ?? "the payment failed")
        default: kind = .other(envelope.type)
        }
        return PaymentEvent(
            id: envelope.id, kind: kind, created: Date(timeIntervalSince1970: TimeInterval(envelope.created)), paymentID: intent.id ?? "",
            chamberID: intent.metadata?["chamber_id"].flatMap(ChamberID.init(validating:)),
            invoiceID: intent.metadata?["invoice_id"].flatMap(InvoiceID.init(validating:)), amountMinor: intent.amountReceived ?? intent.amount ?? 0,
            currency: intent.currency ?? "")
    }
}
