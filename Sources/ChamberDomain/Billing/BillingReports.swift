import Foundation

/// The chamber's money as an accountant reads it, computed from the ledger (never from invoices' cached amounts):
/// what came in by month, source and method; what is owed by age; how card payments fare.
public enum BillingReports {
    /// Money received in one month, from one source (and tier), by one method, in one currency.
    public struct RevenueRow: Sendable, Equatable {
        /// `2026-12`, in the chamber's time zone.
        public let period: String
        /// `dues` for membership dues invoices, `events` for invoices of event registrations, `invoices` for the rest.
        public let source: String
        /// The membership tier's name, for dues.
        public let tier: String?
        /// `cash`, `cheque`, `bank_transfer`, `card`.
        public let method: String
        public let currency: Currency
        public var receivedMinor: Int64
        public var refundedMinor: Int64
        public var netMinor: Int64 { receivedMinor - refundedMinor }
    }

    /// Payments and refunds between `from` (inclusive) and `to` (exclusive), by month, source (dues by tier, named
    /// by `tierNames`) and method.
    public static func revenue(
        _ entries: [LedgerEntry], invoices: [InvoiceID: Invoice], tierNames: [TierID: String] = [:], from: Date, to: Date, timeZone: TimeZone
    ) -> [RevenueRow] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var rows: [String: RevenueRow] = [:]
        for entry in entries where entry.at >= from && entry.at < to && (entry.kind == .paymentSucceeded || entry.kind == .refund) {
            let month = calendar.dateComponents([.year, .month], from: entry.at)
            let period = String(format: "%04d-%02d", month.year ?? 0, month.month ?? 0)
            let invoice = invoices[entry.invoiceID]
            let source = invoice?.dues != nil ? "dues" : invoice?.registrationID != nil ? "events" : "invoices"
            let tier = invoice?.dues.map { tierNames[$0.tierID] ?? $0.tierID.rawValue }
            // A refund is reported against the method of the payments it gives back (recorded by hand: `refund`).
            let method = entry.method ?? (entry.kind == .refund ? "refund" : "other")
            let key = [period, source, tier ?? "", method, entry.currency.code].joined(separator: "|")
            var row =
                rows[key]
                ?? RevenueRow(
                    period: period, source: source, tier: tier, method: method, currency: entry.currency, receivedMinor: 0, refundedMinor: 0)
            if entry.kind == .paymentSucceeded { row.receivedMinor -= entry.amountMinor } else { row.refundedMinor += entry.amountMinor }
            rows[key] = row
        }
        return rows.values.sorted {
            ($0.period, $0.source, $0.tier ?? "", $0.method, $0.currency.code) < ($1.period, $1.source, $1.tier ?? "", $1.method, $1.currency.code)
        }
    }

    /// What open invoices owe at a date, by how long past due.
    public struct Aging: Sendable, Equatable {
        /// Not due yet, 1–30, 31–60, 61–90 and over 90 days past due, per currency.
        public var buckets: [String: [Int64]] = [:]
        public var invoices = 0
        public static let labels = ["current", "1_30", "31_60", "61_90", "over_90"]
    }

    public static func aging(_ invoices: [Invoice], at date: Date) -> Aging {
        var aging = Aging()
        for invoice in invoices where invoice.status == .open {
            let days = invoice.dueAt.map { Int(date.timeIntervalSince($0) / 86_400) } ?? 0
            let bucket =
                switch days {
                case ..<1: 0
                case 1...30: 1
                case 31...60: 2
                case 61...90: 3
                default: 4
                }
            var amounts = aging.buckets[invoice.currency.code] ?? Array(repeating: 0, count: Aging.labels.count)
            amounts[bucket] += invoice.amountDueMinor
            aging.buckets[invoice.currency.code] = amounts
            aging.invoices += 1
        }
        return aging
    }

    /// Card payments attempted between two dates: succeeded, failed, and the success rate in basis points
    /// (10000 when there were none).
    public static func cardSuccess(_ entries: [LedgerEntry], from: Date, to: Date) -> (succeeded: Int, failed: Int, rateBasisPoints: Int) {
        let card = entries.filter { $0.method == "card" && $0.at >= from && $0.at < to }
        let succeeded = card.filter { $0.kind == .paymentSucceeded }.count
        let failed = card.filter { $0.kind == .paymentFailed }.count
        let total = succeeded + failed
        return (succeeded, failed, total == 0 ? 10_000 : succeeded * 10_000 / total)
    }
}
