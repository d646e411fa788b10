import Foundation

/// One line of a membership's dues ledger: what was paid and what a tier change owes. Billing invoices the
/// prorations and records its payments here as dues paid.
public struct DuesLedgerEntry: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// Dues received for a period; `amountCents` is what they came to.
        case duesPaid = "dues_paid"
        /// A tier change's net (``Proration/netCents``): positive is owed by the member, negative owed to them.
        case proration
    }

    public let id: String
    public let userID: UserID
    public let kind: Kind
    public let amountCents: Int
    public let currency: String
    public let periodStart: Date?
    public let periodEnd: Date?
    /// How it came about: `offline payment: check 1042`, `Silver → Gold`.
    public let note: String?
    /// Who recorded it; nil for the server itself.
    public let recordedBy: UserID?
    public let at: Date

    public init(
        id: String = UUID().uuidString.lowercased(), userID: UserID, kind: Kind, amountCents: Int, currency: String, periodStart: Date? = nil,
        periodEnd: Date? = nil, note: String? = nil, recordedBy: UserID?, at: Date
    ) {
        self.id = id
        self.userID = userID
        self.kind = kind
        self.amountCents = amountCents
        self.currency = currency
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.note = note
        self.recordedBy = recordedBy
        self.at = at
    }
}
