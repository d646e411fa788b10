import ChamberDomain
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Card payments end to end: a running server whose processor is a local server speaking Stripe's API (it checks
/// the requests' shape, keys and idempotency, and signs its webhooks as Stripe does). Paid once however the answer
/// and the webhooks arrive; declines recorded and told; forged and replayed webhooks refused.
@Suite("REST: invoices paid by card through a Stripe-compatible processor, and its webhooks")
struct CardPaymentTests {
    static func withStripe(
        _ backend: TestBackend, _ test: @escaping @Sendable (TestAPI, FakeStripeService) async throws -> Void
    ) async throws {
        try await FakeStripeService.run { stripe in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stripe-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let keyFile = folder.appendingPathComponent("secret-key").path
            let secretsFile = folder.appendingPathComponent("webhook-secrets").path
            try (stripe.secretKey + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
            try (stripe.webhookSecret + "\n").write(toFile: secretsFile, atomically: true, encoding: .utf8)
            try await withServer(
                backend, isolated: true,
                configure: {
                    $0.stripeSecretKeyFile = keyFile
                    $0.stripeWebhookSecretsFile = secretsFile
                    $0.stripeAPIBase = stripe.apiBase
                }
            ) { api in
                try await test(api, stripe)
                #expect(stripe.refused.isEmpty, "the processor refused: \(stripe.refused)")
            }
        }
    }

    static func pay(
        _ api: TestAPI, _ chamber: EventTests.Chamber, _ member: Account, _ invoice: String, card: String, key: String
    ) async throws
        -> APIResponse
    {
        try await api.call(
            .post, "\(chamber.path)/invoices/\(invoice)/card-payments", token: member.accessToken, json: ["payment_method": card],
            headers: BillingTests.key(key))
    }

    static func webhookURL(_ api: TestAPI) -> String { "http://127.0.0.1:\(api.client.port!)/v1/webhooks/stripe" }

    @Test(
        "a member pays by card once: a retry is answered with the payment, and three deliveries of its webhook add nothing",
        arguments: TestBackend.enabled)
    func paidOnce(_ backend: TestBackend) async throws {
        try await Self.withStripe(backend) { api, stripe in
            let chamber = try await EventTests.chamber(api, members: 1)
            let ann = chamber.members[0]
            let invoice = try await BillingTests.invoice(api, chamber, to: ann, lines: [("Annual dues", 1, 25_000)])
            let id = invoice["id"].string ?? ""
            let paid = try await Self.pay(api, chamber, ann, id, card: "pm_card_visa", key: "ann-dues")
            #expect(paid.status == .ok && paid.json["status"].string == "succeeded", "\(paid.json)")
            #expect(paid.json["invoice"]["status"].string == "paid", "\(paid.json)")
            let paymentID = paid.json["payment_id"].string ?? ""
            let card = paid.json["invoice"]["entries"].array.filter { $0["kind"].string == "payment_succeeded" }
            #expect(card.count == 1 && card.first?["method"].string == "card" && card.first?["reference"].string == paymentID, "\(paid.json)")
            let again = try await Self.pay(api, chamber, ann, id, card: "pm_card_visa", key: "ann-dues")
            #expect(again.status == .ok && again.json["payment_id"].string == paymentID, "\(again.json)")
            #expect(stripe.intents.count == 1, "charged once")

            let intent = try #require(stripe.intents.first)
            #expect(intent.amount == 25_000 && intent.currency == "usd" && intent.metadata["invoice_id"] == id, "\(intent)")
            let event = stripe.event("payment_intent.succeeded", of: intent)
            var outcomes: [String] = []
            for _ in 0..<3 {
                let delivered = try await stripe.deliver(event, to: Self.webhookURL(api))
                #expect(delivered.status == 200, "\(delivered)")
                outcomes.append((try? JSON.parse(Data(delivered.body.utf8)))?["outcome"].string ?? "")
            }
            #expect(outcomes == ["applied", "duplicate", "duplicate"], "\(outcomes)")
            let after = try await api.call(.get, "\(chamber.path)/invoices/\(id)", token: ann.accessToken)
            #expect(after.json["entries"].array.filter { $0["kind"].string == "payment_succeeded" }.count == 1, "\(after.json)")
            #expect(after.json["paid_minor"].int == 25_000)
            #expect(try await api.call(.get, "\(chamber.path)/billing/ledger-check", token: chamber.staff.accessToken).json["balanced"].bool == true)
        }
    }

    @Test(
        "a payment whose answer was lost is recorded from its webhook; a stale failure after it, a forged and a replayed webhook change nothing",
        arguments: TestBackend.enabled)
    func recoveredFromWebhook(_ backend: TestBackend) async throws {
        try await Self.withStripe(backend) { api, stripe in
            let chamber = try await EventTests.chamber(api, members: 1)
            let ann = chamber.members[0]
            let invoice = try await BillingTests.invoice(api, chamber, to: ann, lines: [("Gala table", 1, 80_000)])
            let id = invoice["id"].string ?? ""
            // The server asked, the processor charged, and the server stopped before it wrote anything.
            let intent = stripe.succeededIntent(amount: 80_000, currency: "usd", invoiceID: id, chamberID: chamber.id)
            let url = Self.webhookURL(api)
            let now = Date()

            // Forged, replayed, unsigned: refused, nothing applied.
            let succeeded = stripe.event("payment_intent.succeeded", of: intent, created: now)
            let forged = try await stripe.deliver(succeeded, to: url, secret: "whsec_not_ours")
            #expect(forged.status == 400 && forged.body.contains("webhook_signature_invalid"), "\(forged)")
            let replayed = try await stripe.deliver(succeeded, to: url, timestamp: now.addingTimeInterval(-600))
            #expect(replayed.status == 400 && replayed.body.contains("webhook_signature_invalid"), "\(replayed)")
            let unsigned = try await stripe.deliver(succeeded, to: url, signature: "t=\(Int(now.timeIntervalSince1970))")
            #expect(unsigned.status == 400, "\(unsigned)")
            var tampered = succeeded
            if let index = tampered.firstIndex(of: UInt8(ascii: "8")) { tampered[index] = UInt8(ascii: "1") }
            let header = "t=\(Int(now.timeIntervalSince1970)),v1=" + String(repeating: "0", count: 64)
            #expect(try await stripe.deliver(tampered, to: url, signature: header).status == 400)
            #expect(try await api.call(.get, "\(chamber.path)/invoices/\(id)", token: ann.accessToken).json["status"].string == "open")

            // The real one pays the invoice.
            let delivered = try await stripe.deliver(succeeded, to: url)
            #expect(delivered.status == 200 && delivered.body.contains("applied"), "\(delivered)")
            // A failure of the same payment made before its success, arriving after it: stale, ignored.
            let failed = stripe.event("payment_intent.payment_failed", of: intent, created: now.addingTimeInterval(-30))
            let late = try await stripe.deliver(failed, to: url)
            #expect(late.status == 200 && late.body.contains("ignored"), "\(late)")
            let after = try await api.call(.get, "\(chamber.path)/invoices/\(id)", token: ann.accessToken)
            #expect(after.json["status"].string == "paid" && after.json["entries"].array.count == 2, "\(after.json)")
            #expect(after.json["entries"][1]["reference"].string == intent.id, "\(after.json)")
        }
    }

    @Test("while a signing secret is rolled, both secrets are taken", arguments: [TestBackend.sqlite])
    func rolledSecrets(_ backend: TestBackend) async throws {
        let previous = "whsec_previous_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        try await FakeStripeService.run { stripe in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stripe-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let secretsFile = folder.appendingPathComponent("webhook-secrets").path
            try "\(stripe.webhookSecret)\n\(previous)\n".write(toFile: secretsFile, atomically: true, encoding: .utf8)
            try await withServer(backend, isolated: true, configure: { $0.stripeWebhookSecretsFile = secretsFile }) { api in
                let intent = stripe.succeededIntent(amount: 100, currency: "usd", invoiceID: InvoiceID.generate().rawValue, chamberID: "x")
                for secret in [stripe.webhookSecret, previous] {
                    let answer = try await stripe.deliver(
                        stripe.event("payment_intent.succeeded", of: intent), to: Self.webhookURL(api), secret: secret)
                    #expect(answer.status == 200 && answer.body.contains("ignored"), "about nothing of ours: \(answer)")
                }
                #expect(
                    try await stripe.deliver(stripe.event("charge.refunded", of: intent), to: Self.webhookURL(api), secret: "whsec_x").status == 400)
            }
        }
    }

    @Test(
        "staff refund to the card through the processor: part, then the rest, once per key; a cheque on the same invoice is not the card's",
        arguments: TestBackend.enabled)
    func refundedToCards(_ backend: TestBackend) async throws {
        try await Self.withStripe(backend) { api, stripe in
            let chamber = try await EventTests.chamber(api, members: 1)
            let ann = chamber.members[0]
            let invoice = try await BillingTests.invoice(api, chamber, to: ann, lines: [("Gala tables", 2, 10_000)])
            let id = invoice["id"].string ?? ""
            // A cheque pays part, the card the rest.
            let cheque = try await api.call(
                .post, "\(chamber.path)/invoices/\(id)/payments", token: chamber.staff.accessToken,
                json: ["amount_minor": 5_000, "method": "cheque", "reference": "77"], headers: BillingTests.key("cheque"))
            #expect(cheque.json["amount_due_minor"].int == 15_000, "\(cheque.json)")
            let paid = try await Self.pay(api, chamber, ann, id, card: "pm_card_visa", key: "ann-card")
            #expect(paid.json["invoice"]["status"].string == "paid", "\(paid.json)")
            let paymentID = paid.json["payment_id"].string ?? ""
            let path = "\(chamber.path)/invoices/\(id)/refunds"
            let tooMuch = try await api.call(
                .post, path, token: chamber.staff.accessToken, json: ["amount_minor": 15_001, "to_card": true], headers: BillingTests.key("r0"))
            #expect(tooMuch.errorCode == "refund_exceeds_payments", "the cheque is not the card's: \(tooMuch.json)")
            #expect(
                try await api.call(.post, path, token: ann.accessToken, json: ["amount_minor": 100, "to_card": true], headers: BillingTests.key("r"))
                    .status == .forbidden)
            // The processor busy on the first attempt: the retry with the same key gives the planned part back once.
            stripe.rateLimitNext(1)
            let busy = try await api.call(
                .post, path, token: chamber.staff.accessToken, json: ["amount_minor": 4_000, "reason": "one table fewer", "to_card": true],
                headers: BillingTests.key("r1"))
            #expect(busy.errorCode == "payment_provider_unavailable", "\(busy.json)")
            for _ in 0..<2 {
                let part = try await api.call(
                    .post, path, token: chamber.staff.accessToken, json: ["amount_minor": 4_000, "reason": "one table fewer", "to_card": true],
                    headers: BillingTests.key("r1"))
                #expect(part.status == .ok && part.json["refunded_minor"].int == 4_000 && part.json["status"].string == "paid", "\(part.json)")
            }
            #expect(stripe.refunds(of: paymentID) == [4_000], "a retry refunds nothing more")
            let reused = try await api.call(
                .post, path, token: chamber.staff.accessToken, json: ["amount_minor": 1_000, "to_card": true], headers: BillingTests.key("r1"))
            #expect(reused.errorCode == "idempotency_key_reused", "\(reused.json)")
            let rest = try await api.call(
                .post, path, token: chamber.staff.accessToken, json: ["amount_minor": 11_000, "to_card": true], headers: BillingTests.key("r2"))
            #expect(rest.json["refunded_minor"].int == 15_000 && rest.json["paid_minor"].int == 5_000, "\(rest.json)")
            #expect(stripe.refunds(of: paymentID) == [4_000, 11_000])
            let cardRefunds = rest.json["entries"].array.filter { $0["kind"].string == "refund" }
            #expect(cardRefunds.count == 2 && cardRefunds.allSatisfy { $0["method"].string == "card" && $0["reference"].string == paymentID })
            let more = try await api.call(
                .post, path, token: chamber.staff.accessToken, json: ["amount_minor": 1, "to_card": true], headers: BillingTests.key("r3"))
            #expect(more.errorCode == "refund_exceeds_payments", "\(more.json)")
            let check = try await api.call(.get, "\(chamber.path)/billing/ledger-check", token: chamber.staff.accessToken)
            #expect(check.json["balanced"].bool == true, "\(check.json)")
        }
    }

    @Test(
        "a declined card leaves the invoice open, is recorded and mailed; a rate limit is retried with the same key; 3-D Secure ends by webhook",
        arguments: TestBackend.enabled)
    func declinedAndRetried(_ backend: TestBackend) async throws {
        try await Self.withStripe(backend) { api, stripe in
            let chamber = try await EventTests.chamber(api, members: 1)
            let ann = chamber.members[0]
            let invoice = try await BillingTests.invoice(api, chamber, to: ann, lines: [("Annual dues", 1, 25_000)])
            let id = invoice["id"].string ?? ""
            let declined = try await Self.pay(api, chamber, ann, id, card: "pm_card_chargeDeclinedInsufficientFunds", key: "try-1")
            #expect(declined.status.code == 402 && declined.errorCode == "card_declined", "\(declined.json)")
            #expect(declined.json["error"]["message"].string?.contains("insufficient_funds") == true, "\(declined.json)")
            let open = try await api.call(.get, "\(chamber.path)/invoices/\(id)", token: ann.accessToken)
            #expect(open.json["status"].string == "open" && open.json["amount_due_minor"].int == 25_000, "\(open.json)")
            let failure = open.json["entries"].array.last
            #expect(failure?["kind"].string == "payment_failed" && failure?["amount_minor"].int == 0, "\(open.json)")
            let told = try await api.store.mailOutbox.deliveries(to: ann.email, limit: 10).map(\.mail.subject)
            #expect(told.contains { $0.hasSuffix("your payment did not go through") }, "\(told)")

            // The processor limits requests: unavailable, and the retry with the same key charges once.
            stripe.rateLimitNext(1)
            let limited = try await Self.pay(api, chamber, ann, id, card: "pm_card_authenticationRequired", key: "try-2")
            #expect(limited.status.code == 503 && limited.errorCode == "payment_provider_unavailable", "\(limited.json)")
            let action = try await Self.pay(api, chamber, ann, id, card: "pm_card_authenticationRequired", key: "try-2")
            #expect(action.json["status"].string == "requires_action" && action.json["client_secret"].string != nil, "\(action.json)")
            #expect(action.json["invoice"]["status"].string == "open")
            // Ann completes 3-D Secure in the app; the processor's webhook records the payment.
            let intent = try #require(stripe.intents.first { $0.id == action.json["payment_id"].string })
            let done = try await stripe.deliver(stripe.event("payment_intent.succeeded", of: intent), to: Self.webhookURL(api))
            #expect(done.body.contains("applied"), "\(done)")
            let paid = try await api.call(.get, "\(chamber.path)/invoices/\(id)", token: ann.accessToken)
            #expect(paid.json["status"].string == "paid", "\(paid.json)")
            #expect(try await Self.pay(api, chamber, ann, id, card: "pm_card_visa", key: "try-3").errorCode == "invoice_state_conflict")
            #expect(try await api.call(.get, "\(chamber.path)/billing/ledger-check", token: chamber.staff.accessToken).json["balanced"].bool == true)
        }
    }

    @Test("a card-paid registration cancelled is refunded to the card, once", arguments: TestBackend.enabled)
    func registrationRefundedToCard(_ backend: TestBackend) async throws {
        try await Self.withStripe(backend) { api, stripe in
            let chamber = try await EventTests.chamber(api, members: 1)
            let ann = chamber.members[0]
            let (id, tickets) = try await EventTests.event(api, chamber, capacity: nil, tickets: [["name": "Dinner", "price_cents": 4_500]])
            let registration = try await EventTests.register(api, chamber, ann, event: id, ticket: tickets[0])
            let invoice = registration.json["invoice_id"].string ?? ""
            let paid = try await Self.pay(api, chamber, ann, invoice, card: "pm_card_visa", key: "dinner")
            #expect(paid.json["invoice"]["status"].string == "paid", "\(paid.json)")
            let mine = try await api.call(.get, "\(chamber.path)/events/\(id)/registrations/mine", token: ann.accessToken)
            #expect(mine.json["status"].string == "confirmed", "\(mine.json)")
            #expect(
                try await api.call(.post, "\(chamber.path)/registrations/\(registration.json["id"].string ?? "")/cancel", token: ann.accessToken)
                    .status
                    == .ok)
            let paymentID = paid.json["payment_id"].string ?? ""
            #expect(stripe.refunds(of: paymentID) == [4_500], "back to the card")
            let after = try await api.call(.get, "\(chamber.path)/invoices/\(invoice)", token: ann.accessToken)
            let refund = after.json["entries"].array.first { $0["kind"].string == "refund" }
            #expect(
                refund?["method"].string == "card" && refund?["reference"].string == paymentID && refund?["amount_minor"].int == 4_500,
                "\(after.json)")
            #expect(after.json["refunded_minor"].int == 4_500 && after.json["paid_minor"].int == 0, "\(after.json)")
            // The webhook of the payment arriving late adds nothing.
            let intent = try #require(stripe.intents.first { $0.id == paymentID })
            let late = try await stripe.deliver(stripe.event("payment_intent.succeeded", of: intent), to: Self.webhookURL(api))
            #expect(late.body.contains("applied"), "\(late)")
            let final = try await api.call(.get, "\(chamber.path)/invoices/\(invoice)", token: ann.accessToken)
            #expect(final.json["entries"].array.count == after.json["entries"].array.count, "\(final.json)")
            #expect(try await api.call(.get, "\(chamber.path)/billing/ledger-check", token: chamber.staff.accessToken).json["balanced"].bool == true)
        }
    }

    @Test("without a processor set up, card payments and webhooks are unavailable")
    func notSetUp() async throws {
        try await withServer(.sqlite) { api in
            let chamber = try await EventTests.chamber(api, members: 1)
            let invoice = try await BillingTests.invoice(api, chamber, to: chamber.members[0])
            let answer = try await Self.pay(api, chamber, chamber.members[0], invoice["id"].string ?? "", card: "pm_card_visa", key: "k")
            #expect(answer.status.code == 503 && answer.errorCode == "payment_provider_unavailable", "\(answer.json)")
            #expect(try await api.call(.post, "/v1/webhooks/stripe", raw: "{}").errorCode == "payment_provider_unavailable")
        }
    }
}
