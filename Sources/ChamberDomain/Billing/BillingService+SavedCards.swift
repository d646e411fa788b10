import Foundation

/// Saved cards and autopay: a member saves a card with the processor (a SetupIntent their app confirms; the server
/// keeps the processor's customer and payment method, never the card), and turns on autopay: each dues invoice is
/// then charged to it off-session on its due date, once. A refusal (a decline, or a bank that wants the payer to
/// confirm: `authentication_required`) is recorded and mailed, and the invoice stays open for the member to pay.
extension BillingService {
    /// Starts saving a card for the caller: their customer at the processor (made once), and a setup their app
    /// completes with the processor's SDK and its client secret.
    public func setUpCard(_ access: ChamberAccess) async throws -> CardSetup {
        let provider = try requireProvider()
        let scope = store.scoped(to: access.chamberID)
        guard let user = try await store.users.find(id: access.userID) else { throw ChamberError(.userNotFound, "no user \(access.userID)") }
        var saved = try await scope.savedCards.find(userID: access.userID)
        if saved == nil {
            let customer = try await provider.createCustomer(
                email: user.email, name: user.displayName, metadata: ["chamber_id": access.chamberID.rawValue, "user_id": access.userID.rawValue],
                idempotencyKey: "customer-\(access.chamberID)-\(access.userID)")
            let card = SavedCard(chamberID: access.chamberID, userID: access.userID, customerID: customer, updatedAt: now())
            try await scope.savedCards.save(card)
            saved = card
        }
        guard let saved else { throw ChamberError(.internalError, "no saved card after saving one") }
        return try await provider.createCardSetup(
            customer: saved.customerID, metadata: ["chamber_id": access.chamberID.rawValue, "user_id": access.userID.rawValue],
            idempotencyKey: "setup-\(access.chamberID)-\(access.userID)-\(UUID().uuidString.lowercased())")
    }

    /// Keeps the card of a setup the caller's app completed: the processor must say it succeeded for the caller's
    /// own customer. Autopay stays as it was.
    public func saveCard(_ access: ChamberAccess, setupID raw: String) async throws -> SavedCard {
        let provider = try requireProvider()
        let setupID = raw.trimmingCharacters(in: .whitespaces)
        guard setupID.hasPrefix("seti_"), (6...255).contains(setupID.utf8.count), setupID.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw ChamberError(.validationFailed, "setup_intent_id is the processor's setup, as seti_…", field: "setup_intent_id")
        }
        let scope = store.scoped(to: access.chamberID)
        guard var card = try await scope.savedCards.find(userID: access.userID) else {
            throw ChamberError(.validationFailed, "start a card setup first (POST …/billing/card/setup)", field: "setup_intent_id")
        }
        let setup = try await provider.cardSetup(id: setupID)
        guard setup.customerID == card.customerID else {
            throw ChamberError(.validationFailed, "that setup is not yours", field: "setup_intent_id")
        }
        guard setup.status == "succeeded", let method = setup.paymentMethodID else {
            throw ChamberError(.validationFailed, "the setup is \(setup.status), not succeeded: finish it in the app", field: "setup_intent_id")
        }
        card.paymentMethodID = method
        card.details = try await provider.card(paymentMethod: method)
        card.updatedAt = now()
        try await scope.savedCards.save(card)
        try await scope.auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: "billing.card_saved", target: "user:\(access.userID)",
                detail: "\(card.details?.brand ?? "card") ending \(card.details?.last4 ?? "?")", at: now()))
        return card
    }

    /// The caller's saved card; `saved_card_not_found` when none is saved.
    public func savedCard(_ access: ChamberAccess) async throws -> SavedCard {
        guard let card = try await store.scoped(to: access.chamberID).savedCards.find(userID: access.userID), card.paymentMethodID != nil else {
            throw ChamberError(.savedCardNotFound, "no card saved for you in this chamber")
        }
        return card
    }

    /// Turns autopay of dues to the caller's saved card on or off.
    public func setAutopay(_ access: ChamberAccess, _ on: Bool) async throws -> SavedCard {
        var card = try await savedCard(access)
        card.autopay = on
        card.updatedAt = now()
        try await store.scoped(to: access.chamberID).savedCards.save(card)
        try await store.scoped(to: access.chamberID).auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: on ? "billing.autopay_on" : "billing.autopay_off",
                target: "user:\(access.userID)", detail: nil, at: now()))
        return card
    }

    /// Forgets the caller's saved card (autopay ends with it), detached at the processor first so it can never be
    /// charged again.
    public func forgetCard(_ access: ChamberAccess) async throws {
        let card = try await savedCard(access)
        if let provider, let method = card.paymentMethodID {
            try await provider.detach(paymentMethod: method, idempotencyKey: "detach-\(access.chamberID)-\(access.userID)-\(method)")
        }
        _ = try await store.scoped(to: access.chamberID).savedCards.delete(userID: access.userID)
        try await store.scoped(to: access.chamberID).auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: "billing.card_forgotten", target: "user:\(access.userID)", detail: nil,
                at: now()))
    }

    /// Charges an open dues invoice that has fallen due to its member's saved card, if they turned autopay on: once
    /// per invoice (a refusal is left to the member). Returns whether it was tried.
    func autopay(_ invoice: Invoice, in chamber: Chamber) async throws -> Bool {
        guard let provider, invoice.status == .open, invoice.dues != nil, let dueAt = invoice.dueAt, dueAt <= now() else { return false }
        let scope = store.scoped(to: chamber.id)
        guard let card = try await scope.savedCards.find(userID: invoice.userID), card.autopay, let method = card.paymentMethodID else {
            return false
        }
        let tried = "autopay:\(invoice.id)"
        guard try await scope.invoices.request(key: tried) == nil else { return false }
        // The processor's key makes a second node's attempt (or this one's after a stop) the same charge.
        let charge = CardCharge(
            chamberID: chamber.id, invoiceID: invoice.id, amountMinor: invoice.amountDueMinor, currency: invoice.currency, paymentMethod: method,
            customer: card.customerID, offSession: true, description: "Invoice \(invoice.number ?? invoice.id.rawValue) (autopay)",
            idempotencyKey: "autopay-\(invoice.id)")
        switch try await provider.charge(charge) {
        case .succeeded(let paymentID):
            do {
                _ = try await perform(
                    .cardPayment(amountMinor: charge.amountMinor, paymentID: paymentID), on: invoice.id, in: chamber.id, by: nil,
                    key: "card:\(paymentID)")
            } catch {
                try await unrecorded(paymentID, amount: charge.amountMinor, on: invoice, because: "\(error)")
            }
        case .declined(let paymentID, let code, let message):
            // Keyed as the processor's webhook of the same refusal is, so the member is told once.
            try await refused(
                invoice, paymentID: paymentID ?? "none", code: code, message: message,
                key: paymentID.map { "card-failed:\($0)" } ?? "card-failed:\(invoice.id):autopay")
        case .requiresAction(let paymentID, _):
            try await refused(
                invoice, paymentID: paymentID, code: "authentication_required", message: "your bank asks you to confirm the payment",
                key: "card-failed:\(paymentID)")
        case .processing:
            break  // Its webhook settles it.
        }
        try await scope.invoices.remember(BillingRequestKey(key: tried, fingerprint: tried, invoiceID: invoice.id), at: now())
        return true
    }

    private func requireProvider() throws(ChamberError) -> any PaymentProvider {
        guard let provider else {
            throw ChamberError(.paymentProviderUnavailable, "card payments are not set up on this server (billing.stripe.secret_key)")
        }
        return provider
    }
}
