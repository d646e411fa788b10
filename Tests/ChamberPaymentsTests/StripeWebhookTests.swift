import ChamberDomain
import Crypto
import Foundation
import Testing

@testable import ChamberPayments

/// Stripe's signature scheme and wire formats as tables: which `Stripe-Signature` headers prove a payload, how events
/// read into billing's terms, the request form, and how the processor's answers map to outcomes.
@Suite("Stripe: webhook signatures and the API's formats")
struct StripeWebhookTests {
    static let secret = "whsec_test_secret"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let payload = Array(
        #"{"id":"evt_1","object":"event","type":"payment_intent.succeeded","created":1800000000,"data":{"object":{"id":"pi_1","object":"payment_intent","amount":2500,"currency":"usd","status":"succeeded","metadata":{"invoice_id":"0b5e0f0e-3c1a-4c1e-9a39-6f1f6f7f1a10","chamber_id":"df3ece90-975a-40ab-ba1e-aba2e958f438"}}}}"#
            .utf8)

    static func signature(_ secret: String, at timestamp: Int, _ payload: [UInt8] = payload) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + payload, using: SymmetricKey(data: Array(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    static let t = 1_800_000_000

    @Test(
        "which headers prove the payload",
        arguments: [
            ("t=\(t),v1=\(signature(secret, at: t))", true),
            ("t=\(t),v0=\(signature("other", at: t)),v1=\(signature("other", at: t)),v1=\(signature(secret, at: t))", true),
            ("v1=\(signature(secret, at: t)),t=\(t)", true),
            ("t=\(t - 299),v1=\(signature(secret, at: t - 299))", true),
            ("t=\(t - 301),v1=\(signature(secret, at: t - 301))", false),
            ("t=\(t + 301),v1=\(signature(secret, at: t + 301))", false),
            ("t=\(t),v1=\(signature("whsec_other", at: t))", false),
            ("t=\(t + 1),v1=\(signature(secret, at: t))", false),
            ("t=\(t),v0=\(signature(secret, at: t))", false),
            ("v1=\(signature(secret, at: t))", false),
            ("t=\(t),v1=zz", false),
            ("", false),
        ])
    func headers(_ header: String, accepted: Bool) {
        let webhook = StripeWebhook(secrets: [Self.secret])
        let verified = (try? webhook.verify(payload: Self.payload, signatureHeader: header, now: Self.now)) != nil
        #expect(verified == accepted, "\(header)")
    }

    @Test("a payload changed after signing is refused; a rolled secret is taken; no secret takes nothing")
    func payloadAndSecrets() throws {
        let header = "t=\(Self.t),v1=\(Self.signature(Self.secret, at: Self.t))"
        var changed = Self.payload
        changed[changed.count - 3] = UInt8(ascii: "x")
        #expect(throws: ChamberError.self) {
            try StripeWebhook(secrets: [Self.secret]).verify(payload: changed, signatureHeader: header, now: Self.now)
        }
        let rolled = StripeWebhook(secrets: ["whsec_new", Self.secret])
        #expect(try rolled.verify(payload: Self.payload, signatureHeader: header, now: Self.now).id == "evt_1")
        #expect(throws: ChamberError.self) { try StripeWebhook(secrets: []).verify(payload: Self.payload, signatureHeader: header, now: Self.now) }
        #expect(StripeWebhook.header(payload: Self.payload, secret: Self.secret, timestamp: Self.t) == header)
    }

    @Test("events read into billing's terms")
    func events() throws {
        let event = try StripeEvent.read(Self.payload)
        #expect(event.id == "evt_1" && event.kind == .succeeded && event.paymentID == "pi_1" && event.amountMinor == 2_500)
        #expect(event.invoiceID?.rawValue == "0b5e0f0e-3c1a-4c1e-9a39-6f1f6f7f1a10" && event.created == Self.now && event.currency == "usd")
        let failed = try StripeEvent.read(
            Array(
                #"{"id":"evt_2","type":"payment_intent.payment_failed","created":1,"data":{"object":{"id":"pi_2","last_payment_error":{"code":"card_declined","decline_code":"expired_card","message":"Your card has expired."}}}}"#
                    .utf8))
        #expect(failed.kind == .failed(code: "expired_card", message: "Your card has expired.") && failed.invoiceID == nil)
        #expect(
            try StripeEvent.read(Array(#"{"id":"e","type":"charge.refunded","created":1,"data":{"object":{"id":"ch_1"}}}"#.utf8)).kind
                == .other("charge.refunded"))
        #expect(throws: ChamberError.self) { try StripeEvent.read(Array("[]".utf8)) }
    }

    @Test("the PaymentIntent request's form")
    func form() {
        let charge = CardCharge(
            chamberID: ChamberID("c-1"), invoiceID: InvoiceID("i 1"), amountMinor: 2_500, currency: Currency(code: "EUR")!,
            paymentMethod: "pm_card_visa",
            customer: "cus_9", description: "Invoice INV-000001 & more", idempotencyKey: "k")
        #expect(
            StripeClient.form(charge)
                == "amount=2500&currency=eur&payment_method=pm_card_visa&payment_method_types%5B%5D=card&confirm=true"
                + "&description=Invoice%20INV-000001%20%26%20more&metadata%5Binvoice_id%5D=i%201&metadata%5Bchamber_id%5D=c-1&customer=cus_9")
    }

    @Test(
        "the processor's answers as outcomes",
        arguments: [
            (200, #"{"id":"pi_1","status":"succeeded"}"#, CardChargeOutcome.succeeded(paymentID: "pi_1")),
            (200, #"{"id":"pi_1","status":"requires_action","client_secret":"s"}"#, .requiresAction(paymentID: "pi_1", clientSecret: "s")),
            (200, #"{"id":"pi_1","status":"processing"}"#, .processing(paymentID: "pi_1")),
            (
                200,
                #"{"id":"pi_1","status":"requires_payment_method","last_payment_error":{"code":"card_declined","decline_code":"lost_card","message":"m"}}"#,
                .declined(paymentID: "pi_1", code: "lost_card", message: "m")
            ),
            (
                402,
                #"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds.","payment_intent":{"id":"pi_9"}}}"#,
                .declined(paymentID: "pi_9", code: "insufficient_funds", message: "Your card has insufficient funds.")
            ),
        ] as [(UInt, String, CardChargeOutcome)])
    func outcomes(_ status: UInt, _ body: String, _ expected: CardChargeOutcome) throws {
        #expect(try StripeClient.outcome(status: status, body: Data(body.utf8)) == expected)
    }

    @Test(
        "rate limits, idempotency errors and outages are thrown with their codes",
        arguments: [
            (429, #"{"error":{"type":"rate_limit_error"}}"#, ChamberError.Code.paymentProviderUnavailable),
            (
                400, #"{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters"}}"#,
                .idempotencyKeyReused
            ),
            (500, "oops", .paymentProviderUnavailable), (401, #"{"error":{"type":"authentication_error"}}"#, .paymentProviderUnavailable),
            (200, "not json", .paymentProviderUnavailable),
        ] as [(UInt, String, ChamberError.Code)])
    func failures(_ status: UInt, _ body: String, _ code: ChamberError.Code) {
        do {
            _ = try StripeClient.outcome(status: status, body: Data(body.utf8))
            Issue.record("no error for \(status)")
        } catch let error as ChamberError {
            #expect(error.code == code, "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
