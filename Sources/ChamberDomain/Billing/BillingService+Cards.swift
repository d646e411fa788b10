import Foundation

/// Card payments through the processor, and the processor's webhooks.
///
/// A payment is recorded under the processor's payment id, whichever of its answer or its webhook arrives first:
/// the other finds it recorded and adds nothing. So a server that stops between the processor's answer and its own
/// write is made whole by the webhook, and three deliveries of one webhook pay an invoice once.
extension BillingService {
    /// What a card payment came to.
    public struct CardPayment: Sendable {
        public let invoice: Invoice
        public let outcome: CardChargeOutcome
    }

    /// Charges what an open invoice owes to a card the processor keeps (`paymentMethod`, a token such as
    /// `pm_…`): the member billed, or staff. Needs an idempotency key: a retry charges once. A refusal is recorded
    /// (a `payment_failed` entry), the member is mailed, and `card_declined` thrown.
    public func payByCard(_ access: ChamberAccess, id: InvoiceID, paymentMethod raw: String, idempotencyKey: String?) async throws -> CardPayment {
        guard let key = try Validate.idempotencyKey(idempotencyKey) else {
            throw ChamberError(.validationFailed, "card payments need an Idempotency-Key header", field: "Idempotency-Key")
        }
        let paymentMethod = raw.trimmingCharacters(in: .whitespaces)
        guard (1...255).contains(paymentMethod.utf8.count), paymentMethod.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw ChamberError(.validationFailed, "payment_method is the processor's token of the card, as pm_…", field: "payment_method")
        }
        let invoice = try await find(access, id: id)
        guard invoice.userID == access.userID || access.can(.update, .billing) else {
            throw ChamberError(.invoiceNotFound, "no invoice \(id) of yours in this chamber")
        }
        let invoices = store.scoped(to: access.chamberID).invoices
        // A retry of a payment that went through is answered with it, whatever the invoice says now.
        let request = "card-request:\(key)"
        let asked = "card-request:\(id):\(paymentMethod):"
        if let earlier = try await invoices.request(key: request) {
            guard earlier.fingerprint.hasPrefix(asked) else {
                throw ChamberError(
                    .idempotencyKeyReused, "this Idempotency-Key was used for another request; use a new key for a new request",
                    field: "Idempotency-Key")
            }
            return CardPayment(invoice: invoice, outcome: .succeeded(paymentID: String(earlier.fingerprint.dropFirst(asked.count))))
        }
        guard invoice.status == .open else { throw ChamberError(.invoiceStateConflict, "a \(invoice.status.rawValue) invoice is not paid") }
        guard let provider else {
            throw ChamberError(.paymentProviderUnavailable, "card payments are not set up on this server (billing.stripe.secret_key)")
        }
        let charge = CardCharge(
            chamberID: access.chamberID, invoiceID: id, amountMinor: invoice.amountDueMinor, currency: invoice.currency,
            paymentMethod: paymentMethod, customer: nil, description: "Invoice \(invoice.number ?? id.rawValue)",
            idempotencyKey: "invoice-\(id)-\(key)")
        let outcome = try await provider.charge(charge)
        switch outcome {
        case .succeeded(let paymentID):
            let paid: Invoice
            do {
                paid = try await perform(
                    .cardPayment(amountMinor: charge.amountMinor, paymentID: paymentID), on: id, in: access.chamberID, by: access.userID,
                    key: "card:\(paymentID)")
            } catch {
                // Charged, and the invoice changed meanwhile (paid another way, voided): the money must go back.
                try await unrecorded(paymentID, amount: charge.amountMinor, on: invoice, because: "\(error)")
                throw error
            }
            try await invoices.remember(BillingRequestKey(key: request, fingerprint: asked + paymentID, invoiceID: id), at: now())
            return CardPayment(invoice: paid, outcome: outcome)
        case .declined(let paymentID, let code, let message):
            // Keyed by the processor's payment where there is one, so its webhook finds the refusal recorded.
            try await refused(
                invoice, paymentID: paymentID ?? "none", code: code, message: message,
                key: paymentID.map { "card-failed:\($0)" } ?? "card-failed:\(id):\(key)")
            throw ChamberError(.cardDeclined, "the card was declined (\(code)): \(message)")
        case .requiresAction, .processing:
            return CardPayment(invoice: invoice, outcome: outcome)
        }
    }

    /// Applies a processor's event, verified by its adapter: a payment succeeded pays its invoice (once, by the
    /// payment's id), one that failed is recorded and its member told; a duplicate, an event about nothing of ours,
    /// or a failure older than what was applied for the same payment changes nothing. Safe to retry: an event whose
    /// processing failed is forgotten, so its redelivery applies it.
    public func apply(_ event: PaymentEvent) async throws -> PaymentEventOutcome {
        guard try await !store.paymentEvents.seen(event.id) else { return .duplicate }
        // Noted once applied: a server that stops in between applies it again on redelivery, and applying twice
        // records nothing twice (each write is keyed by the processor's payment).
        let outcome = try await applyOnce(event)
        try await store.paymentEvents.note(event, at: now())
        return outcome
    }

    private func applyOnce(_ event: PaymentEvent) async throws -> PaymentEventOutcome {
        guard let chamberID = event.chamberID, let invoiceID = event.invoiceID,
            let invoice = try await store.scoped(to: chamberID).invoices.find(id: invoiceID),
            invoice.currency.code == event.currency.uppercased()
        else { return .ignored }
        switch event.kind {
        case .other:
            return .ignored
        case .succeeded:
            // A success stands whatever came before it; one already recorded (by the payment's answer) adds nothing.
            let entries = try await store.scoped(to: chamberID).invoices.entries(of: invoiceID)
            if entries.contains(where: { $0.kind == .paymentSucceeded && $0.reference == event.paymentID }) { return .applied }
            guard invoice.status == .open, event.amountMinor <= invoice.amountDueMinor else {
                // Paid meanwhile another way, or voided: the charge is not owed, and goes back through the processor.
                try await unrecorded(
                    event.paymentID, amount: event.amountMinor, on: invoice,
                    because: "\(invoice.amountDueMinor) owed on a \(invoice.status.rawValue) invoice")
                return .ignored
            }
            _ = try await perform(
                .cardPayment(amountMinor: event.amountMinor, paymentID: event.paymentID), on: invoiceID, in: chamberID, by: nil,
                key: "card:\(event.paymentID)")
            return .applied
        case .failed(let code, let message):
            if let newest = try await store.paymentEvents.newest(forPayment: event.paymentID, except: event.id), newest > event.created {
                return .ignored
            }
            guard invoice.status == .open else { return .ignored }
            try await refused(invoice, paymentID: event.paymentID, code: code, message: message, key: "card-failed:\(event.paymentID)")
            return .applied
        }
    }

    /// A card payment taken that no invoice can hold: given back to the card through the processor, and audited
    /// either way (staff refund it by hand when the processor did not take the refund).
    func unrecorded(_ paymentID: String, amount: Int64, on invoice: Invoice, because why: String) async throws {
        var outcome = "refunded to the card"
        do {
            if let provider {
                outcome += " (\(try await provider.refund(paymentID: paymentID, amountMinor: amount, idempotencyKey: "unrecorded-\(paymentID)")))"
            } else {
                outcome = "not refunded: no processor set up; refund it by hand"
            }
        } catch {
            outcome = "not refunded (\(error)); refund it by hand at the processor"
        }
        try await store.scoped(to: invoice.chamberID).auditLog.append(
            AuditEntry(
                chamberID: invoice.chamberID, actorID: nil, action: "invoice.card_payment_unrecorded", target: "invoice:\(invoice.id)",
                detail: "\(paymentID): \(amount) \(invoice.currency) charged but not owed (\(why)); \(outcome)", at: now()))
    }

    /// Records a refused card payment on the invoice and tells its member by e-mail.
    func refused(_ invoice: Invoice, paymentID: String, code: String, message: String, key: String) async throws {
        // Told once: a refusal recorded already (its answer, then its webhook) is not mailed again.
        guard try await store.scoped(to: invoice.chamberID).invoices.request(key: key) == nil else { return }
        _ = try await perform(
            .cardPaymentFailed(paymentID: paymentID, code: code), on: invoice.id, in: invoice.chamberID, by: nil, key: key)
        guard let mailer, let user = try await store.users.find(id: invoice.userID) else { return }
        let chamber = try await store.chambers.find(id: invoice.chamberID)
        do {
            try await mailer.send(
                Mail(
                    kind: .billing, to: user.email, subject: "\(chamber?.name ?? "Chamber"): your payment did not go through",
                    body: """
                        Your card payment of invoice \(invoice.number ?? invoice.id.rawValue) was refused (\(code): \(message)). \
                        The invoice is still open, \(invoice.amountDueMinor) \(invoice.currency) (minor units) due; pay it with another card \
                        or ask us for another way.
                        """))
        } catch {
            try? await store.scoped(to: invoice.chamberID).auditLog.append(
                AuditEntry(
                    chamberID: invoice.chamberID, actorID: nil, action: "invoice.mail_failed", target: "invoice:\(invoice.id)", detail: "\(error)",
                    at: now()))
        }
    }
}

extension BillingService {
    /// Gives `amountMinor` of an invoice's card payments back to their cards through the processor (staff), the
    /// newest payment first, split across payments when one does not hold it all; each part recorded as a card
    /// refund with its credit note. Needs an idempotency key.
    ///
    /// The parts are planned once and kept with the key before the processor is asked: a retry (after a timeout, a
    /// stop) carries out the same plan, each part under its own processor key, so nothing is given back twice.
    public func refundToCard(
        _ access: ChamberAccess, id: InvoiceID, amountMinor: Int64, reason: String?, idempotencyKey raw: String?
    ) async throws -> Invoice {
        try access.require(.update, .billing)
        guard let key = try Validate.idempotencyKey(raw) else {
            throw ChamberError(.validationFailed, "refunds need an Idempotency-Key header", field: "Idempotency-Key")
        }
        var invoice = try await find(access, id: id)
        guard let provider else {
            throw ChamberError(.paymentProviderUnavailable, "card payments are not set up on this server (billing.stripe.secret_key)")
        }
        guard amountMinor > 0 else { throw ChamberError(.validationFailed, "amount_minor must be positive", field: "amount_minor") }
        let invoices = store.scoped(to: access.chamberID).invoices
        let request = "card-refund-request:\(key)"
        let asked = "card-refund:\(id):\(amountMinor):\(reason ?? "")"
        if try await invoices.request(key: request) == nil {
            let plan = try await refundPlan(of: invoice, amountMinor: amountMinor)
            // Whichever of two concurrent first attempts keeps its plan, both carry out that one.
            try await invoices.remember(BillingRequestKey(key: request, fingerprint: asked + "|" + plan.text, invoiceID: id), at: now())
        }
        guard let kept = try await invoices.request(key: request), kept.fingerprint.hasPrefix(asked + "|"), kept.invoiceID == id else {
            throw ChamberError(
                .idempotencyKeyReused, "this Idempotency-Key was used for another request; use a new key for a new request",
                field: "Idempotency-Key")
        }
        for part in RefundPlan(text: String(kept.fingerprint.dropFirst(asked.count + 1))).parts {
            // Keyed by the request and the payment: the processor gives the same refund to every attempt.
            let refundID = try await provider.refund(
                paymentID: part.paymentID, amountMinor: part.amountMinor, idempotencyKey: "staff-refund-\(id)-\(key)-\(part.paymentID)")
            invoice = try await perform(
                .cardRefund(amountMinor: part.amountMinor, paymentID: part.paymentID, refundID: refundID), on: id, in: access.chamberID,
                by: access.userID, key: "card-refund:\(refundID)")
        }
        try await audit(
            access.chamberID, access.userID, "invoice.refunded_to_card", invoice, detail: "\(amountMinor) \(invoice.currency): \(reason ?? "")")
        return invoice
    }

    /// The parts of a card refund of `amountMinor`: what each card payment still holds, newest first.
    private func refundPlan(of invoice: Invoice, amountMinor: Int64) async throws -> RefundPlan {
        let entries = try await store.scoped(to: invoice.chamberID).invoices.entries(of: invoice.id)
        let refundable: [(paymentID: String, left: Int64)] = entries.filter { $0.kind == .paymentSucceeded && $0.method == "card" }.reversed()
            .compactMap { payment in
                guard let paymentID = payment.reference else { return nil }
                let given = entries.filter { $0.kind == .refund && $0.method == "card" && $0.reference == paymentID }.reduce(Int64(0)) {
                    $0 + $1.amountMinor
                }
                return (paymentID, -payment.amountMinor - given)
            }.filter { $0.left > 0 }
        let total = min(refundable.reduce(Int64(0)) { $0 + $1.left }, invoice.paidMinor)
        guard amountMinor <= total else {
            throw ChamberError(
                .refundExceedsPayments, "\(total) \(invoice.currency) (minor units) of card payments is left to refund", field: "amount_minor")
        }
        var left = amountMinor
        var parts: [RefundPlan.Part] = []
        for payment in refundable where left > 0 {
            let part = min(left, payment.left)
            parts.append(RefundPlan.Part(paymentID: payment.paymentID, amountMinor: part))
            left -= part
        }
        return RefundPlan(parts: parts)
    }
}

/// A card refund's parts, written as `pi_a:100,pi_b:30` to be kept with its idempotency key.
struct RefundPlan {
    struct Part {
        let paymentID: String
        let amountMinor: Int64
    }
    let parts: [Part]

    init(parts: [Part]) { self.parts = parts }

    init(text: String) {
        parts = text.split(separator: ",").compactMap { item in
            guard let colon = item.lastIndex(of: ":"), let amount = Int64(item[item.index(after: colon)...]) else { return nil }
            return Part(paymentID: String(item[..<colon]), amountMinor: amount)
        }
    }

    var text: String { parts.map { "\($0.paymentID):\($0.amountMinor)" }.joined(separator: ",") }
}
