import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

/// The ledger in the store: an operation's invoice row and entries are written together or not at all, a write based
/// on an older read of the invoice writes nothing, and the database itself refuses to change an entry.
@Suite("Invoices and the ledger in the store")
struct LedgerStoreTests {
    static func issued(_ store: SQLStore) async throws -> (any InvoiceStore, Invoice) {
        let founder = try await StoreSuiteTests.user("founder", in: store)
        let chamber = try await StoreSuiteTests.chamber(founder, in: store)
        let invoices = store.scoped(to: chamber.id).invoices
        let draft = Invoice(
            id: .generate(), chamberID: chamber.id, userID: founder.id, currency: Currency(code: "EUR")!,
            lines: [InvoiceLine(description: "Dues", quantity: 1, unitAmountMinor: 5_000)], createdBy: founder.id, createdAt: StoreSuiteTests.now)
        try await invoices.insert(draft)
        let (open, entries) = try InvoiceLedger.apply(.issue, to: draft, by: founder.id, at: StoreSuiteTests.now)
        guard case .recorded(let stored) = try await invoices.record(open, entries: entries, key: nil, events: { _ in [] }, notices: { _ in [] })
        else {
            Issue.record("issue not recorded")
            return (invoices, open)
        }
        return (invoices, stored)
    }

    @Test("a stale write and a taken key write nothing; entries are never changed", arguments: TestBackend.enabled)
    func appendOnly(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let (invoices, open) = try await Self.issued(store)
            #expect(open.number == "INV-000001" && open.revision == 1)
            let (paid, payment) = try InvoiceLedger.apply(
                .pay(amountMinor: 2_000, method: .cash, reference: nil), to: open, by: open.createdBy, at: StoreSuiteTests.now)
            let key = BillingRequestKey(key: "k1", fingerprint: "pay", invoiceID: open.id)
            #expect(try await invoices.record(paid, entries: payment, key: key, events: { _ in [] }, notices: { _ in [] }) != .stale)
            // The same read again: stale, nothing added.
            #expect(try await invoices.record(paid, entries: payment, key: nil, events: { _ in [] }, notices: { _ in [] }) == .stale)
            var fresh = try #require(try await invoices.find(id: open.id))
            #expect(try await invoices.record(fresh, entries: [], key: key, events: { _ in [] }, notices: { _ in [] }) == .keyTaken)
            fresh = try #require(try await invoices.find(id: open.id))
            #expect(fresh.paidMinor == 2_000 && fresh.revision == 2)
            let entries = try await invoices.entries(of: open.id)
            #expect(entries.map(\.kind) == [.invoiceIssued, .paymentSucceeded] && entries.map(\.amountMinor) == [5_000, -2_000])
            #expect(try await invoices.ledgerTotals()[open.id]?.sum == 3_000)
            await #expect(throws: (any Error).self) {
                try await db.query("UPDATE ledger_entries SET amount_minor = 0 WHERE id = ?", [.id(entries[1].id)])
            }
            #expect(try await invoices.entries(of: open.id).map(\.amountMinor) == [5_000, -2_000], "unchanged")
        }
    }
}
