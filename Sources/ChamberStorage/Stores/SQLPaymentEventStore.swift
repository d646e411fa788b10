import ChamberDomain
import Foundation

/// Card processors' webhook events as received, across chambers: the primary key on the event's id makes a second
/// delivery a duplicate.
struct SQLPaymentEventStore: PaymentEventStore {
    let db: any SQLDatabase

    func note(_ event: PaymentEvent, at: Date) async throws -> Bool {
        let kind =
            switch event.kind {
            case .succeeded: "succeeded"
            case .failed: "failed"
            case .other(let type): type
            }
        do {
            try await db.query(
                "INSERT INTO payment_events (event_id, payment_id, kind, created, chamber_id, received_at) VALUES (?, ?, ?, ?, ?, ?)",
                [.text(event.id), .text(event.paymentID), .text(kind), .date(event.created), .id(event.chamberID), .date(at)])
            return true
        } catch StorageError.uniqueViolation {
            return false
        }
    }

    func newest(forPayment paymentID: String, except eventID: String) async throws -> Date? {
        try await db.query(
            "SELECT created FROM payment_events WHERE payment_id = ? AND event_id <> ? ORDER BY created DESC LIMIT 1",
            [.text(paymentID), .text(eventID)]
        ).first?.date("created")
    }

    func forget(_ eventID: String) async throws {
        try await db.query("DELETE FROM payment_events WHERE event_id = ?", [.text(eventID)])
    }
}
