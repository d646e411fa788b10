import Foundation

public typealias LedgerEntryID = Identifier<LedgerEntry>

/// One movement of money on an invoice: written once, never changed or removed.
///
/// `amountMinor` is signed from the member's side: positive adds to what they owe (the invoice issued, a refund
/// paid back to them, a fee), negative takes from it (a payment, a credit, a void, a write-off). An invoice's
/// entries sum to its ``Invoice/amountDueMinor``.
public struct LedgerEntry: Sendable, Equatable {
    public let id: LedgerEntryID
    public let chamberID: ChamberID
    public let invoiceID: InvoiceID
    public let userID: UserID
    public let kind: LedgerEntryKind
    public let amountMinor: Int64
    public let currency: Currency
    /// How the money moved (`cash`, `cheque`, `bank_transfer`), for payments and refunds.
    public let method: String?
    /// The cheque number, the transfer's reference, the reason of a refund.
    public let reference: String?
    /// Who recorded it; nil for the server itself.
    public let actorID: UserID?
    public let at: Date

    public init(
        id: LedgerEntryID = .generate(), chamberID: ChamberID, invoiceID: InvoiceID, userID: UserID, kind: LedgerEntryKind, amountMinor: Int64,
        currency: Currency, method: String? = nil, reference: String? = nil, actorID: UserID?, at: Date
    ) {
        self.id = id
        self.chamberID = chamberID
        self.invoiceID = invoiceID
        self.userID = userID
        self.kind = kind
        self.amountMinor = amountMinor
        self.currency = currency
        self.method = method
        self.reference = reference
        self.actorID = actorID
        self.at = at
    }
}

/// What a ledger entry records.
public enum LedgerEntryKind: String, Sendable, Codable, CaseIterable {
    /// The invoice's total, when issued.
    case invoiceIssued = "invoice_issued"
    case paymentSucceeded = "payment_succeeded"
    /// A payment attempt that failed: no money moved (amount 0), kept so the record is whole.
    case paymentFailed = "payment_failed"
    /// Money given back to the member; always with a ``credit`` of the same amount, so nothing is owed again.
    case refund
    /// What the chamber no longer asks for (a credit note).
    case credit
    /// An open invoice withdrawn: what was owed, cancelled.
    case void
    /// An open invoice given up as uncollectible.
    case writeOff = "write_off"
    /// Added to what is owed, such as a late fee.
    case fee
}
