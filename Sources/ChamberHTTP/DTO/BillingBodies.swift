import ChamberDomain
import Foundation

struct InvoiceBody: Encodable {
    struct Line: Encodable {
        let description: String
        let quantity: Int
        let unitAmountMinor: Int64
        let amountMinor: Int64
    }
    struct Dues: Encodable {
        let kind: String
        let tierId: String
        let periodStart: Date
        let periodEnd: Date
    }
    let id: String
    let userId: String
    let number: String?
    let status: String
    let currency: String
    let lines: [Line]
    let memo: String?
    let totalMinor: Int64
    let feesMinor: Int64
    let paidMinor: Int64
    let creditedMinor: Int64
    let refundedMinor: Int64
    let amountDueMinor: Int64
    let overdue: Bool
    let dueDays: Int
    let issuedAt: Date?
    let dueAt: Date?
    let paidAt: Date?
    let closedAt: Date?
    let createdBy: String
    let createdAt: Date
    let registrationId: String?
    let dues: Dues?
    /// The ledger, when one invoice is answered.
    let entries: [LedgerEntryBody]?

    init(_ invoice: Invoice, entries: [LedgerEntry]? = nil, now: Date = Date()) {
        id = invoice.id.rawValue
        userId = invoice.userID.rawValue
        number = invoice.number
        status = invoice.status.rawValue
        currency = invoice.currency.code
        lines = invoice.lines.map {
            Line(description: $0.description, quantity: $0.quantity, unitAmountMinor: $0.unitAmountMinor, amountMinor: $0.amountMinor ?? 0)
        }
        memo = invoice.memo
        totalMinor = invoice.status == .draft ? (try? InvoiceLedger.total(of: invoice.lines)) ?? 0 : invoice.totalMinor
        feesMinor = invoice.feesMinor
        paidMinor = invoice.paidMinor
        creditedMinor = invoice.creditedMinor
        refundedMinor = invoice.refundedMinor
        amountDueMinor = invoice.amountDueMinor
        overdue = invoice.isOverdue(at: now)
        dueDays = invoice.dueDays
        issuedAt = invoice.issuedAt
        dueAt = invoice.dueAt
        paidAt = invoice.paidAt
        closedAt = invoice.closedAt
        createdBy = invoice.createdBy.rawValue
        createdAt = invoice.createdAt
        registrationId = invoice.registrationID?.rawValue
        dues = invoice.dues.map { Dues(kind: $0.kind.rawValue, tierId: $0.tierID.rawValue, periodStart: $0.periodStart, periodEnd: $0.periodEnd) }
        self.entries = entries?.map(LedgerEntryBody.init)
    }
}

struct LedgerEntryBody: Encodable {
    let id: String
    let kind: String
    let amountMinor: Int64
    let currency: String
    let method: String?
    let reference: String?
    let actorId: String?
    let at: Date

    init(_ entry: LedgerEntry) {
        id = entry.id.rawValue
        kind = entry.kind.rawValue
        amountMinor = entry.amountMinor
        currency = entry.currency.code
        method = entry.method
        reference = entry.reference
        actorId = entry.actorID?.rawValue
        at = entry.at
    }
}

struct LedgerCheckBody: Encodable {
    struct Mismatch: Encodable {
        let invoiceId: String
        let number: String?
        let reason: String
    }
    let invoicesChecked: Int
    let balanced: Bool
    let mismatches: [Mismatch]
}

/// `POST …/invoices` and `PATCH …/invoices/{id}`.
struct InvoiceRequest {
    let input: InvoiceInput

    init(_ json: JSONValue, creating: Bool) throws(ChamberError) {
        let body = try StrictObject(json, at: "")
        try body.allow(creating ? ["user_id", "currency", "lines", "memo", "due_days"] : ["lines", "memo", "due_days"])
        var input = InvoiceInput()
        if let raw = try body.optionalString("user_id") { input.userID = try Validate.identifier(raw, as: UserID.self, field: "user_id") }
        input.currency = try body.optionalString("currency")
        input.lines = try body.optionalObjects("lines")?.map { line throws(ChamberError) in
            try line.allow(["description", "quantity", "unit_amount_minor"])
            guard let amount = try line.optionalMinorUnits("unit_amount_minor") else {
                throw ChamberError(.validationFailed, "\(line.field("unit_amount_minor")) is required", field: line.field("unit_amount_minor"))
            }
            return InvoiceLine(description: try line.string("description"), quantity: try line.optionalInt("quantity") ?? 1, unitAmountMinor: amount)
        }
        input.memo = try body.optionalString("memo")
        input.clearMemo = body.nulls(among: ["memo"]).contains("memo")
        input.dueDays = try body.optionalInt("due_days")
        self.input = input
    }
}

/// `POST …/invoices/{id}/payments` and `…/refunds`.
struct MoneyMovementRequest {
    let operation: InvoiceOperation
    /// A refund given back to the invoice's card payments through the processor, not by hand.
    var toCard = false

    init(payment json: JSONValue) throws(ChamberError) {
        let body = try StrictObject(json, at: "")
        try body.allow(["amount_minor", "method", "reference"])
        let method = try body.string("method")
        guard let parsed = OfflinePaymentMethod(rawValue: method) else {
            throw ChamberError(.validationFailed, "method must be cash, cheque or bank_transfer", field: "method")
        }
        operation = .pay(
            amountMinor: try Self.amount(body), method: parsed,
            reference: try Validate.optionalText(try body.optionalString("reference"), field: "reference", maxLength: 200))
    }

    init(refund json: JSONValue) throws(ChamberError) {
        let body = try StrictObject(json, at: "")
        try body.allow(["amount_minor", "reason", "to_card"])
        toCard = try body.optionalBool("to_card") ?? false
        operation = .refund(
            amountMinor: try Self.amount(body),
            reason: try Validate.optionalText(try body.optionalString("reason"), field: "reason", maxLength: 500))
    }

    private static func amount(_ body: StrictObject) throws(ChamberError) -> Int64 {
        guard let amount = try body.optionalMinorUnits("amount_minor") else {
            throw ChamberError(.validationFailed, "amount_minor is required", field: "amount_minor")
        }
        return amount
    }
}

struct CardPaymentBody: Encodable {
    /// `succeeded`, `requires_action` (the app completes 3-D Secure with `client_secret`) or `processing`.
    let status: String
    let paymentId: String
    let clientSecret: String?
    let invoice: InvoiceBody

    init(_ payment: BillingService.CardPayment, entries: [LedgerEntry]) {
        switch payment.outcome {
        case .succeeded(let id):
            (status, paymentId, clientSecret) = ("succeeded", id, nil)
        case .requiresAction(let id, let secret):
            (status, paymentId, clientSecret) = ("requires_action", id, secret)
        case .processing(let id):
            (status, paymentId, clientSecret) = ("processing", id, nil)
        case .declined(let id, _, _):
            // Declines are thrown as card_declined; kept total for the type.
            (status, paymentId, clientSecret) = ("declined", id ?? "", nil)
        }
        invoice = InvoiceBody(payment.invoice, entries: entries)
    }
}

struct WebhookReceiptBody: Encodable {
    let eventId: String
    /// `applied`, `duplicate` or `ignored`.
    let outcome: String
}

struct BillingReportBody: Encodable {
    struct Revenue: Encodable {
        let period: String
        let source: String
        let tier: String?
        let method: String
        let currency: String
        let receivedMinor: Int64
        let refundedMinor: Int64
        let netMinor: Int64
    }
    struct Aging: Encodable {
        let currency: String
        /// Owed in minor units by days past due: `current` (not due yet), `1_30`, `31_60`, `61_90`, `over_90`.
        let buckets: [String: Int64]
    }
    struct CardPayments: Encodable {
        let succeeded: Int
        let failed: Int
        /// Succeeded of those attempted, in hundredths of a percent (10000 when none were).
        let successRateBasisPoints: Int
    }
    let from: String
    let to: String
    let revenue: [Revenue]
    let aging: [Aging]
    let openInvoices: Int
    let cardPayments: CardPayments

    init(_ report: BillingService.Report) {
        func day(_ date: Date) -> String { CalendarDay.text(date, in: report.period.timeZone) }
        from = day(report.period.from)
        to = day(report.period.until.addingTimeInterval(-1))
        revenue = report.revenue.map {
            Revenue(
                period: $0.period, source: $0.source, tier: $0.tier, method: $0.method, currency: $0.currency.code, receivedMinor: $0.receivedMinor,
                refundedMinor: $0.refundedMinor, netMinor: $0.netMinor)
        }
        aging = report.aging.buckets.sorted { $0.key < $1.key }.map {
            Aging(currency: $0.key, buckets: Dictionary(uniqueKeysWithValues: zip(BillingReports.Aging.labels, $0.value)))
        }
        openInvoices = report.aging.invoices
        cardPayments = CardPayments(
            succeeded: report.cardSucceeded, failed: report.cardFailed, successRateBasisPoints: report.cardSuccessRateBasisPoints)
    }
}
