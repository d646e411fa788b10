import Foundation

/// Reports and exports of the ledger, for staff and the board.
extension BillingService {
    /// A period of the chamber's books: days `from` to `to` (both included) in the chamber's time zone.
    public struct Period: Sendable {
        public let from: Date
        /// The first instant after the period.
        public let until: Date
        public let timeZone: TimeZone
    }

    /// The period from `from` to `to` (`YYYY-MM-DD`, both included; this year to today when absent).
    public func period(_ access: ChamberAccess, from: String?, to: String?) async throws -> Period {
        let zone = TimeZone(identifier: try await store.chambers.find(id: access.chamberID)?.settings.timezone ?? "UTC") ?? .gmt
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        func day(_ raw: String, field: String) throws(ChamberError) -> Date {
            let parts = raw.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3, let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
                calendar.component(.day, from: date) == parts[2]
            else { throw ChamberError(.validationFailed, "\(field) is a date, as 2026-12-31", field: field) }
            return date
        }
        let today = calendar.startOfDay(for: now())
        let start =
            try from.map { raw throws(ChamberError) in try day(raw, field: "from") }
            ?? calendar.date(from: calendar.dateComponents([.year], from: today)) ?? today
        let end = try to.map { raw throws(ChamberError) in try day(raw, field: "to") } ?? today
        guard start <= end else { throw ChamberError(.validationFailed, "from comes after to", field: "from") }
        guard let until = calendar.date(byAdding: .day, value: 1, to: end) else {
            throw ChamberError(.validationFailed, "to is out of range", field: "to")
        }
        return Period(from: start, until: until, timeZone: zone)
    }

    /// What a report holds.
    public struct Report: Sendable {
        public let period: Period
        public let revenue: [BillingReports.RevenueRow]
        public let aging: BillingReports.Aging
        public let cardSucceeded: Int
        public let cardFailed: Int
        public let cardSuccessRateBasisPoints: Int
    }

    /// Revenue by month, source (dues by tier) and method in the period; what is owed now by age; how card payments fared.
    public func report(_ access: ChamberAccess, period: Period) async throws -> Report {
        try access.require(.view, .billing)
        let invoices = store.scoped(to: access.chamberID).invoices
        let entries = try await invoices.entries(from: period.from, to: period.until)
        let all = try await Page.collect(upTo: 1_000_000) { try await invoices.list(userID: nil, status: nil, page: $0) }
        let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
        let card = BillingReports.cardSuccess(entries, from: period.from, to: period.until)
        let tiers = try await store.scoped(to: access.chamberID).tiers.list(includingRetired: true)
        let tierNames = Dictionary(tiers.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        return Report(
            period: period,
            revenue: BillingReports.revenue(
                entries, invoices: byID, tierNames: tierNames, from: period.from, to: period.until, timeZone: period.timeZone),
            aging: BillingReports.aging(all, at: now()), cardSucceeded: card.succeeded, cardFailed: card.failed,
            cardSuccessRateBasisPoints: card.rateBasisPoints)
    }

    /// The period's payments and refunds in `currency` (the chamber's when absent), for an accountant's import.
    public func exportLines(
        _ access: ChamberAccess, period: Period, currency raw: String?
    ) async throws -> (lines: [LedgerExport.Line], currency: Currency) {
        try access.require(.view, .billing)
        var code = raw
        if code == nil { code = try await store.chambers.find(id: access.chamberID)?.settings.currency }
        let currency = try Currency.parse(code ?? "USD", field: "currency")
        let invoices = store.scoped(to: access.chamberID).invoices
        let entries = try await invoices.entries(from: period.from, to: period.until)
        var byID: [InvoiceID: Invoice] = [:]
        var names: [UserID: String] = [:]
        for id in Set(entries.map(\.invoiceID)) { byID[id] = try await invoices.find(id: id) }
        for user in Set(entries.map(\.userID)) { names[user] = try await store.users.find(id: user)?.displayName }
        return (LedgerExport.lines(entries, invoices: byID, names: names, currency: currency, from: period.from, to: period.until), currency)
    }
}
