import Foundation
import Testing

@testable import ChamberDomain

/// Reports and exports of the ledger as tables: decimal figures by integer arithmetic, ages of balances on a test
/// clock, revenue grouped by month, source and method, and IIF transactions that balance and reconcile.
@Suite("Billing reports and exports")
struct BillingReportsTests {
    static let usd = Currency(code: "USD")!
    static let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    @Test(
        "minor units as the currency's decimal figure",
        arguments: [
            (25_000, "USD", "250.00"), (5, "USD", "0.05"), (-1_999, "EUR", "-19.99"), (0, "USD", "0.00"), (25_000, "JPY", "25000"),
            (1_234, "KWD", "1.234"), (-1, "KWD", "-0.001"), (Int64.min, "USD", "-92233720368547758.08"),
        ] as [(Int64, String, String)])
    func decimals(_ amount: Int64, _ code: String, _ text: String) {
        #expect(MinorUnits.decimal(amount, Currency(code: code)!) == text)
    }

    static func invoice(
        due daysAgo: Int, owing: Int64, status: InvoiceStatus = .open, registration: RegistrationID? = nil, dues: DuesTerms? = nil
    ) -> Invoice {
        Invoice(
            id: .generate(), chamberID: ChamberID("c"), userID: UserID("m"), number: "INV-1", status: status, currency: usd, lines: [],
            totalMinor: owing, dueAt: now.addingTimeInterval(-Double(daysAgo) * 86_400), createdBy: UserID("s"), createdAt: now,
            registrationID: registration, dues: dues)
    }

    @Test("balances by days past due, open invoices only")
    func aging() {
        let invoices = [
            Self.invoice(due: -3, owing: 100), Self.invoice(due: 0, owing: 200), Self.invoice(due: 1, owing: 300), Self.invoice(due: 30, owing: 400),
            Self.invoice(due: 31, owing: 500), Self.invoice(due: 90, owing: 600), Self.invoice(due: 91, owing: 700),
            Self.invoice(due: 400, owing: 800, status: .paid),
        ]
        let aging = BillingReports.aging(invoices, at: Self.now)
        #expect(aging.buckets["USD"] == [300, 700, 500, 600, 700] && aging.invoices == 7, "\(aging)")
    }

    static func entry(_ invoice: Invoice, _ kind: LedgerEntryKind, _ amount: Int64, method: String?, daysAgo: Double) -> LedgerEntry {
        LedgerEntry(
            chamberID: invoice.chamberID, invoiceID: invoice.id, userID: invoice.userID, kind: kind, amountMinor: amount, currency: usd,
            method: method, reference: "r", actorID: nil, at: now.addingTimeInterval(-daysAgo * 86_400))
    }

    @Test("revenue by month, source (dues by tier) and method; the card success rate; an IIF batch that balances and reconciles")
    func revenueAndExport() {
        let dues = Self.invoice(due: 0, owing: 0)
        let gold = Self.invoice(
            due: 0, owing: 0, dues: DuesTerms(kind: .period, tierID: TierID("gold"), periodStart: Self.now, periodEnd: Self.now, reference: "p"))
        let gala = Self.invoice(due: 0, owing: 0, registration: .generate())
        let entries = [
            Self.entry(dues, .invoiceIssued, 10_000, method: nil, daysAgo: 40),
            Self.entry(dues, .paymentSucceeded, -10_000, method: "cheque", daysAgo: 30),  // 2026-12-16
            Self.entry(gala, .paymentSucceeded, -2_500, method: "card", daysAgo: 5),
            Self.entry(gala, .paymentFailed, 0, method: "card", daysAgo: 6),
            Self.entry(gala, .refund, 500, method: nil, daysAgo: 1),
            Self.entry(gala, .credit, -500, method: nil, daysAgo: 1),
        ]
        let invoices = [dues.id: dues, gala.id: gala, gold.id: gold]
        let from = Self.now.addingTimeInterval(-60 * 86_400)
        let goldPaid = Self.entry(gold, .paymentSucceeded, -60_000, method: "card", daysAgo: 2)
        let rows = BillingReports.revenue(
            entries + [goldPaid], invoices: invoices, tierNames: [TierID("gold"): "Gold"], from: from, to: Self.now, timeZone: .gmt)
        #expect(
            rows.map { "\($0.period) \($0.source) \($0.tier ?? "-") \($0.method) \($0.receivedMinor) \($0.refundedMinor)" } == [
                "2026-12 invoices - cheque 10000 0", "2027-01 dues Gold card 60000 0", "2027-01 events - card 2500 0",
                "2027-01 events - refund 0 500",
            ], "\(rows)")
        let card = BillingReports.cardSuccess(entries, from: from, to: Self.now)
        #expect(card.succeeded == 1 && card.failed == 1 && card.rateBasisPoints == 5_000)
        #expect(BillingReports.cardSuccess([], from: from, to: Self.now).rateBasisPoints == 10_000)

        let lines = LedgerExport.lines(entries, invoices: invoices, names: [UserID("m"): "Ann\tTab"], currency: Self.usd, from: from, to: Self.now)
        #expect(lines.map(\.amountMinor) == [10_000, 2_500, -500])
        #expect(LedgerExport.batch(lines) == LedgerExport.Batch(count: 3, netMinor: 12_000))
        let iif = LedgerExport.iif(lines, currency: Self.usd, timeZone: .gmt).split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false)
        }
        let transactions = iif.filter { $0.first == "TRNS" }
        let splits = iif.filter { $0.first == "SPL" }
        #expect(transactions.count == 3 && splits.count == 3 && iif.filter { $0 == ["ENDTRNS"] }.count == 3)
        #expect(transactions.map { String($0[5]) } == ["100.00", "25.00", "-5.00"])
        #expect(zip(transactions, splits).allSatisfy { "-\($0.0[5])".replacingOccurrences(of: "--", with: "") == $0.1[5] }, "balanced")
        #expect(transactions[0][2] == "12/16/2026" && transactions[0][4] == "Ann Tab" && transactions[2][1] == "CHECK")
        let csv = LedgerExport.csv(lines, currency: Self.usd, timeZone: .gmt)
        #expect(csv[3][4] == "" && csv[3][5] == "5.00", "\(csv)")
        #expect(csv.last == ["total", "", "3 transactions", "", "125.00", "5.00", "USD", "", ""])
    }
}
