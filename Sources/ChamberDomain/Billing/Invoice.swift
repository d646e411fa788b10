import Foundation

public typealias InvoiceID = Identifier<Invoice>

/// A bill to one member of the chamber: its lines, and where it stands. The amounts on it are kept from its ledger
/// entries (``LedgerEntry``), which are the record: ``LedgerCheck`` proves the two agree.
public struct Invoice: Sendable, Equatable {
    public let id: InvoiceID
    public let chamberID: ChamberID
    /// The member billed.
    public let userID: UserID
    /// `INV-000042`, numbered in the chamber's order of issue; nil while a draft.
    public var number: String?
    public var status: InvoiceStatus
    public let currency: Currency
    public var lines: [InvoiceLine]
    /// Shown on the invoice under the lines.
    public var memo: String?
    /// The lines' sum in minor units, fixed when issued.
    public var totalMinor: Int64
    /// Late fees added since it was issued, in minor units.
    public var feesMinor: Int64
    /// Payments received less refunds, in minor units.
    public var paidMinor: Int64
    /// Credit notes (refunds' and others), voids and write-offs: what the chamber no longer asks for.
    public var creditedMinor: Int64
    /// Of ``paidMinor``'s payments, what went back to the member.
    public var refundedMinor: Int64
    public var issuedAt: Date?
    /// Days after issue the invoice is due, until issued; then ``dueAt``.
    public var dueDays: Int
    public var dueAt: Date?
    public var paidAt: Date?
    /// When it was voided or written off.
    public var closedAt: Date?
    public let createdBy: UserID
    public let createdAt: Date
    /// The event registration it bills, if it does: paying it confirms the registration.
    public let registrationID: RegistrationID?
    /// The membership dues it bills, if it does: paying it moves the membership's standing.
    public let dues: DuesTerms?
    /// Reminders sent so far (``InvoiceReminder``), so each goes once.
    public var remindersSent: Int
    /// Moves with every write: a write based on an older read is refused.
    public var revision: Int

    public init(
        id: InvoiceID, chamberID: ChamberID, userID: UserID, number: String? = nil, status: InvoiceStatus = .draft, currency: Currency,
        lines: [InvoiceLine], memo: String? = nil, totalMinor: Int64 = 0, feesMinor: Int64 = 0, paidMinor: Int64 = 0, creditedMinor: Int64 = 0,
        refundedMinor: Int64 = 0, issuedAt: Date? = nil, dueDays: Int = 30, dueAt: Date? = nil, paidAt: Date? = nil, closedAt: Date? = nil,
        createdBy: UserID, createdAt: Date, registrationID: RegistrationID? = nil, dues: DuesTerms? = nil, remindersSent: Int = 0,
        revision: Int = 0
    ) {
        self.id = id
        self.chamberID = chamberID
        self.userID = userID
        self.number = number
        self.status = status
        self.currency = currency
        self.lines = lines
        self.memo = memo
        self.totalMinor = totalMinor
        self.feesMinor = feesMinor
        self.paidMinor = paidMinor
        self.creditedMinor = creditedMinor
        self.refundedMinor = refundedMinor
        self.issuedAt = issuedAt
        self.dueDays = dueDays
        self.dueAt = dueAt
        self.paidAt = paidAt
        self.closedAt = closedAt
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.registrationID = registrationID
        self.dues = dues
        self.remindersSent = remindersSent
        self.revision = revision
    }

    /// What the member still owes on it, in minor units: the total and fees less payments and credits.
    public var amountDueMinor: Int64 { totalMinor + feesMinor - paidMinor - creditedMinor }

    /// Whether it is past its due date with something owed.
    public func isOverdue(at date: Date) -> Bool {
        status == .open && dueAt.map { $0 <= date } == true
    }
}

/// Where an invoice stands.
public enum InvoiceStatus: String, Sendable, Codable, CaseIterable {
    /// Being written: lines may change, nothing is owed.
    case draft
    /// Issued, something owed.
    case open
    /// Nothing owed, and it was paid (or was for nothing).
    case paid
    /// Withdrawn before any payment.
    case void
    /// Written off: the chamber stopped asking.
    case uncollectible
}

/// One line of an invoice: `quantity` of something at `unitAmountMinor`.
public struct InvoiceLine: Sendable, Equatable, Codable {
    public var description: String
    public var quantity: Int
    public var unitAmountMinor: Int64

    public init(description: String, quantity: Int, unitAmountMinor: Int64) {
        self.description = description
        self.quantity = quantity
        self.unitAmountMinor = unitAmountMinor
    }

    /// The line's amount; nil when it does not fit in 64 bits.
    public var amountMinor: Int64? {
        let (amount, overflow) = unitAmountMinor.multipliedReportingOverflow(by: Int64(quantity))
        return overflow ? nil : amount
    }
}

/// How a payment taken outside the server came in.
public enum OfflinePaymentMethod: String, Sendable, Codable, CaseIterable {
    case cash
    case cheque
    case bankTransfer = "bank_transfer"
}
