import Foundation

/// What staff do to an invoice that moves money or its standing.
public enum InvoiceOperation: Sendable, Equatable {
    /// Draft → open: its total becomes owed, due ``Invoice/dueDays`` later.
    case issue
    /// A payment taken outside the server, up to what is owed.
    case pay(amountMinor: Int64, method: OfflinePaymentMethod, reference: String?)
    /// Money given back, up to what was paid: a refund with a credit note of the same amount.
    case refund(amountMinor: Int64, reason: String?)
    /// An open invoice with no payment withdrawn.
    case void
    /// An open invoice given up: what is owed is written off.
    case writeOff
    /// A card payment the processor took (`paymentID`, as `pi_…`), up to what is owed.
    case cardPayment(amountMinor: Int64, paymentID: String)
    /// A card payment the processor refused: recorded (no money moved), the invoice stays open.
    case cardPaymentFailed(paymentID: String, code: String)
    /// Money the processor gave back to the card of payment `paymentID` (its refund `refundID`), with a credit note.
    case cardRefund(amountMinor: Int64, paymentID: String, refundID: String)
    /// A late fee added to an open invoice, by the chamber's policy.
    case lateFee(amountMinor: Int64)
    /// Part of what is owed taken off by a credit the member holds (`reason`: what it came from, such as a cheaper
    /// tier's unused days).
    case credit(amountMinor: Int64, reason: String)

    /// What a retry must repeat exactly to be answered as the first request (an idempotency key's fingerprint).
    func fingerprint(of invoice: InvoiceID) -> String {
        switch self {
        case .issue: "issue:\(invoice)"
        case .pay(let amount, let method, let reference): "pay:\(invoice):\(amount):\(method.rawValue):\(reference ?? "")"
        case .refund(let amount, let reason): "refund:\(invoice):\(amount):\(reason ?? "")"
        case .void: "void:\(invoice)"
        case .writeOff: "write_off:\(invoice)"
        case .cardPayment(let amount, let payment): "card:\(invoice):\(amount):\(payment)"
        case .cardPaymentFailed(let payment, let code): "card_failed:\(invoice):\(payment):\(code)"
        case .cardRefund(let amount, let payment, let refund): "card_refund:\(invoice):\(amount):\(payment):\(refund)"
        case .lateFee(let amount): "late_fee:\(invoice):\(amount)"
        case .credit(let amount, let reason): "credit:\(invoice):\(amount):\(reason)"
        }
    }
}

/// The invoice state machine, pure: an operation on an invoice gives the invoice after it and the ledger entries
/// that record it, or the error that refuses it. Nothing else changes an issued invoice's amounts, so they are always
/// what its entries sum to.
public enum InvoiceLedger {
    public static func apply(
        _ operation: InvoiceOperation, to invoice: Invoice, by actor: UserID?, at date: Date
    ) throws(ChamberError) -> (invoice: Invoice, entries: [LedgerEntry]) {
        var next = invoice
        func entry(_ kind: LedgerEntryKind, _ amount: Int64, method: String? = nil, reference: String? = nil) -> LedgerEntry {
            LedgerEntry(
                chamberID: invoice.chamberID, invoiceID: invoice.id, userID: invoice.userID, kind: kind, amountMinor: amount,
                currency: invoice.currency, method: method, reference: reference, actorID: actor, at: date)
        }
        switch operation {
        case .issue:
            guard invoice.status == .draft else { throw conflict(invoice, "issued") }
            let total = try total(of: invoice.lines)
            next.totalMinor = total
            next.issuedAt = date
            // A due date set before issue stands (a registration is due when its payment time runs out).
            next.dueAt = invoice.dueAt ?? date.addingTimeInterval(TimeInterval(invoice.dueDays) * 86_400)
            // An invoice for nothing owes nothing: paid as it is issued.
            next.status = total == 0 ? .paid : .open
            if total == 0 { next.paidAt = date }
            return (next, [entry(.invoiceIssued, total)])

        case .pay(let amount, let method, let reference):
            try payment(amount, of: invoice, into: &next, at: date)
            return (next, [entry(.paymentSucceeded, -amount, method: method.rawValue, reference: reference)])

        case .cardPayment(let amount, let paymentID):
            try payment(amount, of: invoice, into: &next, at: date)
            return (next, [entry(.paymentSucceeded, -amount, method: "card", reference: paymentID)])

        case .cardPaymentFailed(let paymentID, let code):
            guard invoice.status == .open else { throw conflict(invoice, "charged") }
            return (next, [entry(.paymentFailed, 0, method: "card", reference: "\(paymentID): \(code)")])

        case .refund(let amount, let reason):
            try refund(amount, of: invoice, into: &next)
            return (next, [entry(.refund, amount, reference: reason), entry(.credit, -amount, reference: reason)])

        case .cardRefund(let amount, let paymentID, let refundID):
            try refund(amount, of: invoice, into: &next)
            return (next, [entry(.refund, amount, method: "card", reference: paymentID), entry(.credit, -amount, reference: refundID)])

        case .void:
            guard invoice.status == .open, invoice.paidMinor == 0 else {
                throw ChamberError(
                    .invoiceStateConflict,
                    invoice.status == .open
                        ? "an invoice with payments is not voided; refund them, or write off the rest"
                        : "a \(invoice.status.rawValue) invoice is not voided")
            }
            let due = invoice.amountDueMinor
            next.creditedMinor += due
            next.status = .void
            next.closedAt = date
            return (next, [entry(.void, -due)])

        case .lateFee(let amount):
            guard invoice.status == .open else { throw conflict(invoice, "charged a late fee") }
            try requirePositive(amount)
            let (fees, overflow) = invoice.feesMinor.addingReportingOverflow(amount)
            guard !overflow, fees <= maxTotalMinor else {
                throw ChamberError(.validationFailed, "fees total at most \(maxTotalMinor) minor units", field: "amount_minor")
            }
            next.feesMinor = fees
            return (next, [entry(.fee, amount, reference: "late fee")])

        case .credit(let amount, let reason):
            guard invoice.status == .open else { throw conflict(invoice, "credited") }
            try requirePositive(amount)
            guard amount <= invoice.amountDueMinor else {
                throw ChamberError(
                    .paymentExceedsBalance, "the invoice has \(invoice.amountDueMinor) \(invoice.currency) (minor units) owed", field: "amount_minor")
            }
            next.creditedMinor += amount
            if next.amountDueMinor == 0 {
                next.status = .paid
                next.paidAt = date
            }
            return (next, [entry(.credit, -amount, method: "account_credit", reference: reason)])

        case .writeOff:
            guard invoice.status == .open else { throw conflict(invoice, "written off") }
            let due = invoice.amountDueMinor
            next.creditedMinor += due
            next.status = .uncollectible
            next.closedAt = date
            return (next, [entry(.writeOff, -due)])
        }
    }

    /// A payment of `amount` into `next`: the invoice must be open and owe at least that much.
    private static func payment(_ amount: Int64, of invoice: Invoice, into next: inout Invoice, at date: Date) throws(ChamberError) {
        guard invoice.status == .open else { throw conflict(invoice, "paid") }
        try requirePositive(amount)
        guard amount <= invoice.amountDueMinor else {
            throw ChamberError(
                .paymentExceedsBalance, "the invoice has \(invoice.amountDueMinor) \(invoice.currency) (minor units) to pay", field: "amount_minor")
        }
        next.paidMinor += amount
        if next.amountDueMinor == 0 {
            next.status = .paid
            next.paidAt = date
        }
    }

    /// A refund of `amount` into `next`: at most what was paid and not refunded, on an open or paid invoice.
    private static func refund(_ amount: Int64, of invoice: Invoice, into next: inout Invoice) throws(ChamberError) {
        guard invoice.status == .open || invoice.status == .paid else { throw conflict(invoice, "refunded") }
        try requirePositive(amount)
        guard amount <= invoice.paidMinor else {
            throw ChamberError(
                .refundExceedsPayments, "\(invoice.paidMinor) \(invoice.currency) (minor units) was paid and not refunded", field: "amount_minor")
        }
        next.paidMinor -= amount
        next.refundedMinor += amount
        next.creditedMinor += amount
    }

    /// The sum of the lines; `validation_failed` when a line is not a positive quantity of a non-negative amount, or
    /// the sum does not fit.
    public static func total(of lines: [InvoiceLine]) throws(ChamberError) -> Int64 {
        var total: Int64 = 0
        for (index, line) in lines.enumerated() {
            guard line.quantity > 0, line.unitAmountMinor >= 0, let amount = line.amountMinor else {
                throw ChamberError(
                    .validationFailed, "a line is a positive quantity of a non-negative amount", field: "lines[\(index)]")
            }
            let (sum, overflow) = total.addingReportingOverflow(amount)
            guard !overflow, sum <= maxTotalMinor else {
                throw ChamberError(.validationFailed, "an invoice totals at most \(maxTotalMinor) minor units", field: "lines")
            }
            total = sum
        }
        return total
    }

    /// The largest total an invoice may have, in minor units (ten billion of a two-digit currency).
    public static let maxTotalMinor: Int64 = 1_000_000_000_000

    private static func requirePositive(_ amount: Int64) throws(ChamberError) {
        guard amount > 0 else { throw ChamberError(.validationFailed, "amount_minor must be positive", field: "amount_minor") }
    }

    private static func conflict(_ invoice: Invoice, _ verb: String) -> ChamberError {
        ChamberError(.invoiceStateConflict, "a \(invoice.status.rawValue) invoice is not \(verb)")
    }
}

/// Proof that the invoices' amounts are what their ledger entries say.
public enum LedgerCheck {
    /// Why `invoice` disagrees with its entries (which sum to `entrySum`, `entryCount` of them), or nil when it agrees.
    public static func mismatch(_ invoice: Invoice, entrySum: Int64, entryCount: Int) -> String? {
        if invoice.status == .draft {
            return entryCount == 0 ? nil : "a draft with \(entryCount) ledger entries"
        }
        if entrySum != invoice.amountDueMinor {
            return "entries sum to \(entrySum), the invoice says \(invoice.amountDueMinor) is due"
        }
        switch invoice.status {
        case .draft: return nil
        case .open: return invoice.amountDueMinor > 0 ? nil : "open with nothing due"
        case .paid, .void, .uncollectible:
            return invoice.amountDueMinor == 0 ? nil : "\(invoice.status.rawValue) with \(invoice.amountDueMinor) due"
        }
    }
}
