import Foundation

/// A money-moving request's idempotency key, kept with what the request was, so that a retry is answered as the
/// first and a different request under the same key is refused.
public struct BillingRequestKey: Sendable, Equatable {
    public let key: String
    /// The operation and its arguments (``InvoiceOperation``'s fingerprint).
    public let fingerprint: String
    public let invoiceID: InvoiceID

    public init(key: String, fingerprint: String, invoiceID: InvoiceID) {
        self.key = key
        self.fingerprint = fingerprint
        self.invoiceID = invoiceID
    }
}

/// How recording an operation went.
public enum InvoiceRecordOutcome: Sendable, Equatable {
    /// Written, with the invoice as stored (numbered when it was issued).
    case recorded(Invoice)
    /// The invoice changed since it was read: nothing was written.
    case stale
    /// Another request took the idempotency key first: nothing was written.
    case keyTaken
}

/// One chamber's invoices and their ledger.
public protocol InvoiceStore: Sendable {
    /// Throws `conflict` when the invoice bills a registration, or dues (``DuesTerms/reference``), that has a live
    /// invoice already.
    func insert(_ invoice: Invoice) async throws
    func find(id: InvoiceID) async throws -> Invoice?
    /// The registration's invoice that is not void.
    func find(registration: RegistrationID) async throws -> Invoice?
    /// The invoice that is not void holding ``DuesTerms/reference`` `reference`.
    func find(duesReference reference: String) async throws -> Invoice?
    /// Records that reminders up to `to` were sent, if the stored count is still `from`; false when another node
    /// sent them first (so each goes once). `notices` (the reminder's) are written owed in the same transaction.
    func markReminded(_ id: InvoiceID, from: Int, to: Int, notices: [Notice]) async throws -> Bool
    /// Newest first; of one member when `userID` is given.
    func list(userID: UserID?, status: InvoiceStatus?, page: PageRequest) async throws -> Page<Invoice>
    /// Writes a draft's lines, memo and due days if its revision is still `invoice.revision`; false otherwise.
    func updateDraft(_ invoice: Invoice) async throws -> Bool
    /// In one transaction: writes `invoice` (if its stored revision is still `invoice.revision`), numbering it in
    /// the chamber's order when it leaves draft; appends `entries`; keeps `key`; queues the webhook events `events`
    /// makes of the invoice as stored (numbered); and writes owed the notices `notices` makes of it.
    func record(
        _ invoice: Invoice, entries: [LedgerEntry], key: BillingRequestKey?, events: @Sendable (Invoice) -> [WebhookEvent],
        notices: @Sendable (Invoice) -> [Notice]
    ) async throws -> InvoiceRecordOutcome
    /// The invoice's ledger entries, oldest first.
    func entries(of invoice: InvoiceID) async throws -> [LedgerEntry]
    /// The chamber's ledger entries made in `[from, to)`, oldest first.
    func entries(from: Date, to: Date) async throws -> [LedgerEntry]
    func request(key: String) async throws -> BillingRequestKey?
    /// Keeps a request's key that recorded nothing of its own (a card payment, recorded under the processor's id);
    /// nothing when the key is kept already.
    func remember(_ key: BillingRequestKey, at: Date) async throws
    /// Every invoice's entries: their sum and count.
    func ledgerTotals() async throws -> [InvoiceID: (sum: Int64, count: Int)]
}
