import Foundation

/// Payments and refunds of a period in one currency, for an accountant: a CSV with a total row, and QuickBooks
/// Desktop's IIF (tab-separated `TRNS`/`SPL`/`ENDTRNS` blocks, each balanced: the deposit against Accounts
/// Receivable). Both carry the batch's count and net total, which reconcile with the ledger.
public enum LedgerExport {
    public struct Line: Sendable, Equatable {
        public let at: Date
        public let invoiceNumber: String
        public let member: String
        /// `payment` or `refund`.
        public let kind: String
        /// Received positive, given back negative.
        public let amountMinor: Int64
        public let method: String
        public let reference: String
    }

    /// What a batch comes to: transactions and their net.
    public struct Batch: Sendable, Equatable {
        public let count: Int
        public let netMinor: Int64
    }

    /// The period's payments and refunds in `currency`, oldest first. `names` are the members' display names.
    public static func lines(
        _ entries: [LedgerEntry], invoices: [InvoiceID: Invoice], names: [UserID: String], currency: Currency, from: Date, to: Date
    ) -> [Line] {
        entries.filter { $0.currency == currency && $0.at >= from && $0.at < to && ($0.kind == .paymentSucceeded || $0.kind == .refund) }
            .sorted { ($0.at, $0.id.rawValue) < ($1.at, $1.id.rawValue) }
            .map { entry in
                Line(
                    at: entry.at, invoiceNumber: invoices[entry.invoiceID]?.number ?? entry.invoiceID.rawValue, member: names[entry.userID] ?? "",
                    kind: entry.kind == .paymentSucceeded ? "payment" : "refund", amountMinor: -entry.amountMinor,
                    method: entry.method ?? (entry.kind == .refund ? "refund" : ""), reference: entry.reference ?? "")
            }
    }

    public static func batch(_ lines: [Line]) -> Batch {
        Batch(count: lines.count, netMinor: lines.reduce(0) { $0 + $1.amountMinor })
    }

    /// A header, a row per line and a total row. Amounts are positive, received or refunded (a spreadsheet would take
    /// a cell starting with `-` for a formula, and the CSV writer defuses those).
    public static func csv(_ lines: [Line], currency: Currency, timeZone: TimeZone) -> [[String]] {
        func figure(_ amount: Int64) -> String { MinorUnits.decimal(amount, currency) }
        let received = lines.filter { $0.amountMinor > 0 }.reduce(0) { $0 + $1.amountMinor }
        let refunded = lines.filter { $0.amountMinor < 0 }.reduce(0) { $0 - $1.amountMinor }
        return [["date", "invoice", "member", "kind", "received", "refunded", "currency", "method", "reference"]]
            + lines.map {
                [
                    CalendarDay.text($0.at, in: timeZone), $0.invoiceNumber, $0.member, $0.kind, $0.amountMinor > 0 ? figure($0.amountMinor) : "",
                    $0.amountMinor < 0 ? figure(-$0.amountMinor) : "", currency.code, $0.method, $0.reference,
                ]
            }
            + [["total", "", "\(lines.count) transactions", "", figure(received), figure(refunded), currency.code, "", ""]]
    }

    /// QuickBooks Desktop's IIF: a payment is a deposit to Undeposited Funds against Accounts Receivable, a refund
    /// the reverse (a cheque written back).
    public static func iif(_ lines: [Line], currency: Currency, timeZone: TimeZone) -> String {
        var text = "!TRNS\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tDOCNUM\tMEMO\n!SPL\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tDOCNUM\tMEMO\n!ENDTRNS\n"
        for line in lines {
            let type = line.kind == "payment" ? "PAYMENT" : "CHECK"
            let date = CalendarDay.usText(line.at, in: timeZone)
            let memo = clean([line.method, line.reference].filter { !$0.isEmpty }.joined(separator: " "))
            let (name, number) = (clean(line.member), clean(line.invoiceNumber))
            text += "TRNS\t\(type)\t\(date)\tUndeposited Funds\t\(name)\t\(MinorUnits.decimal(line.amountMinor, currency))\t\(number)\t\(memo)\n"
            text += "SPL\t\(type)\t\(date)\tAccounts Receivable\t\(name)\t\(MinorUnits.decimal(-line.amountMinor, currency))\t\(number)\t\(memo)\n"
            text += "ENDTRNS\n"
        }
        return text
    }

    /// IIF has no quoting: tabs and line breaks in a field would break its row.
    private static func clean(_ text: String) -> String {
        String(text.map { $0 == "\t" || $0.isNewline ? " " : $0 })
    }
}
