import ChamberDomain
import Foundation

/// Card processors' webhook events as received, across chambers: the primary key on the event's id makes a second
/// delivery a duplicate.
struct SQLPaymentEventStore: PaymentEventStore {
    let db: any SQLDatabase

    func seen(_ eventID: String) async throws -> Bool {
        !(try await db.query("SELECT event_id FROM payment_events WHERE event_id = ?", [.text(eventID)]).isEmpty)
    }

    func note(_ event: PaymentEvent, at: Date) async throws {
        let kind =
            switch event.kind {
            case .succeeded: "succeeded"
            case .failed: "failed"
            case .other(let type): type
            }
        try await db.query(
            """
            INSERT INTO payment_events (event_id, payment_id, kind, created, chamber_id, received_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (event_id) DO NOTHING
            """, [.text(event.id), .text(event.paymentID), .text(kind), .date(event.created), .id(event.chamberID), .date(at)])
    }

    func newest(forPayment paymentID: String, except eventID: String) async throws -> Date? {
        try await db.query(
            "SELECT created FROM payment_events WHERE payment_id = ? AND event_id <> ? ORDER BY created DESC LIMIT 1",
            [.text(paymentID), .text(eventID)]
        ).first?.date("created")
    }
}
