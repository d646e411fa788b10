import Foundation

/// Paid registrations through billing: each awaiting payment has an invoice, due when its payment time runs out;
/// paying it confirms the registration; one that ends has its payments refunded in full and the rest voided. This is
/// the chamber's refund rule: a registrant cancels (and is refunded) until the event's cancellation cut-off, staff and
/// a cancelled event refund at any time, and after the cut-off a registrant who does not come is not refunded.
extension EventService {
    /// The registration with its invoice, written the first time a paid registration awaits payment.
    func bill(_ registration: Registration, of event: Event) async throws -> Registration {
        guard let billing, registration.status == .pendingPayment else { return registration }
        let ticket = try await store.scoped(to: event.chamberID).events.ticketTypes(of: event.id).first { $0.id == registration.ticketTypeID }
        guard let invoice = try await billing.invoice(for: registration, of: event, ticketName: ticket?.name ?? "ticket") else {
            return registration
        }
        var billed = registration
        billed.invoiceID = invoice.id
        return billed
    }

    /// Settles an ended registration's invoice; a failure is audited, not thrown (the registration's end stands, and
    /// the ledger check shows the invoice still open).
    func settle(_ registration: Registration, reason: String) async {
        guard let billing else { return }
        do {
            try await billing.settleEnded(registration, reason: reason)
        } catch {
            try? await store.scoped(to: registration.chamberID).auditLog.append(
                AuditEntry(
                    chamberID: registration.chamberID, actorID: nil, action: "event.settlement_failed", target: "registration:\(registration.id)",
                    detail: "\(reason): \(error)", at: now()))
        }
    }
}
