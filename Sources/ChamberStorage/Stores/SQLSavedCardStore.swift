import ChamberDomain
import Foundation

/// Members' saved cards (`saved_cards`): the processor's ids and what to show of the card, one row per member and
/// chamber.
struct SQLSavedCardStore: SavedCardStore {
    let sql: ChamberScopedSQL

    func find(userID: UserID) async throws -> SavedCard? {
        try await sql.query(
            """
            SELECT chamber_id, user_id, customer_id, payment_method_id, brand, last4, exp_month, exp_year, autopay, updated_at FROM saved_cards
            WHERE chamber_id = :chamber AND user_id = ?
            """, [.id(userID)]
        ).first.map { row in
            var details: CardDetails?
            if let brand = try row.optionalString("brand"), let last4 = try row.optionalString("last4") {
                details = CardDetails(
                    brand: brand, last4: last4, expMonth: Int(try row.optionalInt("exp_month") ?? 0),
                    expYear: Int(try row.optionalInt("exp_year") ?? 0))
            }
            return SavedCard(
                chamberID: try row.id("chamber_id"), userID: try row.id("user_id"), customerID: try row.string("customer_id"),
                paymentMethodID: try row.optionalString("payment_method_id"), details: details, autopay: try row.bool("autopay"),
                updatedAt: try row.date("updated_at"))
        }
    }

    func save(_ card: SavedCard) async throws {
        try await sql.query(
            """
            INSERT INTO saved_cards (chamber_id, user_id, customer_id, payment_method_id, brand, last4, exp_month, exp_year, autopay, updated_at)
            VALUES (:chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (chamber_id, user_id) DO UPDATE SET customer_id = excluded.customer_id, payment_method_id = excluded.payment_method_id,
                brand = excluded.brand, last4 = excluded.last4, exp_month = excluded.exp_month, exp_year = excluded.exp_year,
                autopay = excluded.autopay, updated_at = excluded.updated_at
            """,
            [
                .id(card.userID), .text(card.customerID), .text(card.paymentMethodID), .text(card.details?.brand), .text(card.details?.last4),
                card.details.map { .int(Int64($0.expMonth)) } ?? .null, card.details.map { .int(Int64($0.expYear)) } ?? .null, .bool(card.autopay),
                .date(card.updatedAt),
            ])
    }

    func delete(userID: UserID) async throws -> Bool {
        !(try await sql.query("DELETE FROM saved_cards WHERE chamber_id = :chamber AND user_id = ? RETURNING user_id", [.id(userID)]).isEmpty)
    }
}
