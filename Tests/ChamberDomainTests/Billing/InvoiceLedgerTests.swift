import Foundation
import Testing

@testable import ChamberDomain

/// The invoice state machine as tables: each operation's outcome (status, amounts, entries) or refusal, the ledger
/// check's verdicts, currencies, and no floating point on a money path.
@Suite("Invoice ledger")
struct InvoiceLedgerTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let staff = UserID("staff")

    static func draft(_ lines: [InvoiceLine] = [InvoiceLine(description: "Annual dues", quantity: 1, unitAmountMinor: 10_000)]) -> Invoice {
        Invoice(
            id: InvoiceID("i"), chamberID: ChamberID("c"), userID: UserID("m"), currency: Currency(code: "usd")!, lines: lines, createdBy: staff,
            createdAt: now)
    }

    /// Applies the operations in turn, checking the ledger after each.
    static func run(_ operations: [InvoiceOperation], on start: Invoice = draft()) throws(ChamberError) -> (Invoice, [LedgerEntry]) {
        var invoice = start
        var entries: [LedgerEntry] = []
        for operation in operations {
            let (next, added) = try InvoiceLedger.apply(operation, to: invoice, by: staff, at: now)
            invoice = next
            entries += added
            let sum = entries.reduce(Int64(0)) { $0 + $1.amountMinor }
            #expect(LedgerCheck.mismatch(invoice, entrySum: sum, entryCount: entries.count) == nil, "after \(operation): \(invoice)")
        }
        return (invoice, entries)
    }

    static func pay(_ amount: Int64) -> InvoiceOperation { .pay(amountMinor: amount, method: .cheque, reference: "1042") }

    @Test(
        "operations in turn: status, amounts and the entries they write",
        arguments: [
            ([.issue], InvoiceStatus.open, 10_000, 0, 0, [LedgerEntryKind.invoiceIssued]),
            ([.issue, pay(4_000)], .open, 6_000, 4_000, 0, [.invoiceIssued, .paymentSucceeded]),
            ([.issue, pay(4_000), pay(6_000)], .paid, 0, 10_000, 0, [.invoiceIssued, .paymentSucceeded, .paymentSucceeded]),
            (
                [.issue, pay(10_000), .refund(amountMinor: 2_500, reason: "overcharged")], .paid, 0, 7_500, 2_500,
                [.invoiceIssued, .paymentSucceeded, .refund, .credit]
            ),
            (
                [.issue, pay(3_000), .refund(amountMinor: 3_000, reason: nil)], .open, 7_000, 0, 3_000,
                [.invoiceIssued, .paymentSucceeded, .refund, .credit]
            ),
            ([.issue, .void], .void, 0, 0, 0, [.invoiceIssued, .void]),
            ([.issue, pay(1_000), .writeOff], .uncollectible, 0, 1_000, 0, [.invoiceIssued, .paymentSucceeded, .writeOff]),
            ([.issue, .lateFee(amountMinor: 2_500)], .open, 12_500, 0, 0, [.invoiceIssued, .fee]),
            ([.issue, .lateFee(amountMinor: 2_500), pay(12_500)], .paid, 0, 12_500, 0, [.invoiceIssued, .fee, .paymentSucceeded]),
            ([.issue, .credit(amountMinor: 3_000, reason: "tier change")], .open, 7_000, 0, 0, [.invoiceIssued, .credit]),
            ([.issue, .credit(amountMinor: 10_000, reason: "tier change")], .paid, 0, 0, 0, [.invoiceIssued, .credit]),
        ] as [([InvoiceOperation], InvoiceStatus, Int64, Int64, Int64, [LedgerEntryKind])])
    func outcomes(
        _ operations: [InvoiceOperation], status: InvoiceStatus, due: Int64, paid: Int64, refunded: Int64, kinds: [LedgerEntryKind]
    ) throws {
        let (invoice, entries) = try Self.run(operations)
        #expect(invoice.status == status)
        #expect(invoice.amountDueMinor == due && invoice.paidMinor == paid && invoice.refundedMinor == refunded, "\(invoice)")
        #expect(entries.map(\.kind) == kinds)
        #expect(entries.reduce(Int64(0)) { $0 + $1.amountMinor } == due)
        #expect(entries.allSatisfy { $0.currency.code == "USD" && $0.actorID == Self.staff })
    }

    @Test(
        "refusals, each with its code",
        arguments: [
            ([pay(100)], ChamberError.Code.invoiceStateConflict),
            ([.issue, .issue], .invoiceStateConflict),
            ([.issue, pay(10_001)], .paymentExceedsBalance),
            ([.issue, pay(0)], .validationFailed),
            ([.issue, pay(-5)], .validationFailed),
            ([.issue, pay(10_000), pay(1)], .invoiceStateConflict),
            ([.issue, pay(500), .refund(amountMinor: 501, reason: nil)], .refundExceedsPayments),
            ([.refund(amountMinor: 1, reason: nil)], .invoiceStateConflict),
            ([.issue, pay(500), .void], .invoiceStateConflict),
            ([.issue, pay(10_000), .void], .invoiceStateConflict),
            ([.issue, .void, pay(1)], .invoiceStateConflict),
            ([.issue, .writeOff, .writeOff], .invoiceStateConflict),
            ([.void], .invoiceStateConflict),
            ([.lateFee(amountMinor: 100)], .invoiceStateConflict),
            ([.issue, .lateFee(amountMinor: 0)], .validationFailed),
            ([.issue, pay(10_000), .lateFee(amountMinor: 100)], .invoiceStateConflict),
            ([.issue, .lateFee(amountMinor: InvoiceLedger.maxTotalMinor + 1)], .validationFailed),
            ([.issue, .credit(amountMinor: 10_001, reason: "x")], .paymentExceedsBalance),
            ([.issue, .void, .credit(amountMinor: 1, reason: "x")], .invoiceStateConflict),
        ] as [([InvoiceOperation], ChamberError.Code)])
    func refusals(_ operations: [InvoiceOperation], code: ChamberError.Code) {
        #expect(throws: ChamberError.self) { try Self.run(operations) }
        do {
            _ = try Self.run(operations)
        } catch {
            #expect(error.code == code, "\(error)")
        }
    }

    @Test("an invoice for nothing is paid as it is issued")
    func free() throws {
        let (invoice, entries) = try Self.run([.issue], on: Self.draft([InvoiceLine(description: "Sponsor pass", quantity: 2, unitAmountMinor: 0)]))
        #expect(invoice.status == .paid && invoice.paidAt == Self.now && entries.map(\.amountMinor) == [0])
    }

    @Test("totals: lines multiply and add in 64-bit integers; a bad line or an overflow is refused")
    func totals() throws {
        #expect(
            try InvoiceLedger.total(of: [
                .init(description: "a", quantity: 3, unitAmountMinor: 1_999), .init(description: "b", quantity: 1, unitAmountMinor: 1),
            ]) == 5_998)
        for lines in [
            [InvoiceLine(description: "a", quantity: 0, unitAmountMinor: 1)], [InvoiceLine(description: "a", quantity: 1, unitAmountMinor: -1)],
            [InvoiceLine(description: "a", quantity: Int.max, unitAmountMinor: 2)],
            [InvoiceLine(description: "a", quantity: 1, unitAmountMinor: InvoiceLedger.maxTotalMinor + 1)],
        ] {
            #expect(throws: ChamberError.self) { try InvoiceLedger.total(of: lines) }
        }
    }

    @Test("the ledger check names every disagreement")
    func check() throws {
        let (open, _) = try Self.run([.issue, Self.pay(4_000)])
        #expect(LedgerCheck.mismatch(open, entrySum: 6_000, entryCount: 2) == nil)
        #expect(LedgerCheck.mismatch(open, entrySum: 10_000, entryCount: 1)?.contains("sum to 10000") == true)
        #expect(LedgerCheck.mismatch(Self.draft(), entrySum: 0, entryCount: 1) != nil, "a draft has no entries")
        var paid = open
        paid.status = .paid
        #expect(LedgerCheck.mismatch(paid, entrySum: 6_000, entryCount: 2)?.contains("paid with 6000 due") == true)
        var empty = open
        empty.paidMinor = 10_000
        #expect(LedgerCheck.mismatch(empty, entrySum: 0, entryCount: 2) == "open with nothing due")
    }

    @Test("currencies: ISO 4217 codes in any case, with their minor units; others refused")
    func currencies() throws {
        #expect(Currency(code: "usd")?.code == "USD" && Currency(code: "USD")?.minorUnitDigits == 2)
        #expect(Currency(code: "JPY")?.minorUnitDigits == 0 && Currency(code: "KWD")?.minorUnitDigits == 3)
        for bad in ["", "US", "USDX", "XXX", "$"] { #expect(Currency(code: bad) == nil, "\(bad)") }
        #expect(throws: ChamberError.self) { try Currency.parse("dollars", field: "currency") }
    }

    @Test("no floating point on a money path: the billing types hold none, and the billing code names none")
    func noFloats() throws {
        let invoice = try Self.run([.issue, Self.pay(1)]).0
        let values: [Any] = [
            invoice, invoice.lines[0], try Self.run([.issue]).1[0], Currency(code: "EUR")!,
            BillingRequestKey(key: "k", fingerprint: "f", invoiceID: invoice.id),
        ]
        func floats(in value: Any, path: String) -> [String] {
            Mirror(reflecting: value).children.flatMap { child -> [String] in
                let name = "\(path).\(child.label ?? "?")"
                switch child.value {
                // Instants are kept as seconds in a Double by Foundation: time, not money.
                case is Date: return []
                case is Double, is Float, is Decimal: return [name]
                default: return floats(in: child.value, path: name)
                }
            }
        }
        for value in values { #expect(floats(in: value, path: "\(type(of: value))").isEmpty) }

        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Sources").standardized
        let folder = root.appendingPathComponent("ChamberDomain/Billing")
        let files =
            try FileManager.default.contentsOfDirectory(atPath: folder.path).map { folder.appendingPathComponent($0) }
            + [
                "ChamberStorage/Stores/SQLInvoiceStore.swift", "ChamberStorage/Stores/SQLSavedCardStore.swift", "ChamberHTTP/DTO/BillingBodies.swift",
                "ChamberHTTP/Routes/BillingRoutes.swift", "ChamberHTTP/Routes/SavedCardRoutes.swift", "ChamberPayments/StripeClient.swift",
                "ChamberPayments/StripeEvent.swift", "ChamberPayments/StripeWebhook.swift", "ChamberDomain/Membership/DuesCalendar.swift",
                "ChamberDomain/Membership/DuesLedger.swift",
            ].map { root.appendingPathComponent($0) }
        #expect(files.count >= 20)
        let floating = try Regex(#"\b(Double|Float|Float32|Float64|Float80|CGFloat|Decimal|NSDecimalNumber)\b|\.double\("#)
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(text.firstMatch(of: floating) == nil, "\(file.lastPathComponent) names a floating-point type")
        }
    }
}
