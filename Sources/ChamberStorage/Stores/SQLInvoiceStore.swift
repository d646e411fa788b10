import ChamberDomain
import Foundation

/// Invoices and their ledger. An operation's invoice row (guarded by its revision), its ledger entries, its number
/// when issued and its idempotency key are written in one transaction, so the ledger and the invoice never disagree
/// and a request is recorded once.
struct SQLInvoiceStore: InvoiceStore {
    let sql: ChamberScopedSQL

    static let columns = """
        id, chamber_id, user_id, number, status, currency, lines, memo, total_minor, paid_minor, credited_minor, refunded_minor, \
        issued_at, due_days, due_at, paid_at, closed_at, created_by, created_at, revision, registration_id, fees_minor, reminders_sent, \
        dues_kind, dues_tier_id, dues_period_start, dues_period_end, dues_reference
        """

    static func invoice(_ row: SQLRow) throws -> Invoice {
        Invoice(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), userID: try row.id("user_id"), number: try row.optionalString("number"),
            status: try row.value("status", as: InvoiceStatus.self), currency: try currency(row),
            lines: try row.json("lines", as: [InvoiceLine].self), memo: try row.optionalString("memo"), totalMinor: try row.int("total_minor"),
            feesMinor: try row.int("fees_minor"),
            paidMinor: try row.int("paid_minor"), creditedMinor: try row.int("credited_minor"), refundedMinor: try row.int("refunded_minor"),
            issuedAt: try row.optionalDate("issued_at"), dueDays: Int(try row.int("due_days")), dueAt: try row.optionalDate("due_at"),
            paidAt: try row.optionalDate("paid_at"), closedAt: try row.optionalDate("closed_at"), createdBy: try row.id("created_by"),
            createdAt: try row.date("created_at"), registrationID: try row.optionalID("registration_id"), dues: try dues(row),
            remindersSent: Int(try row.int("reminders_sent")), revision: Int(try row.int("revision")))
    }

    private static func dues(_ row: SQLRow) throws -> DuesTerms? {
        guard let reference = try row.optionalString("dues_reference") else { return nil }
        guard let start = try row.optionalDate("dues_period_start"), let end = try row.optionalDate("dues_period_end") else {
            throw StorageError.missingColumn("dues_period_start")
        }
        return DuesTerms(
            kind: try row.value("dues_kind", as: DuesTerms.Kind.self), tierID: try row.id("dues_tier_id"), periodStart: start, periodEnd: end,
            reference: reference)
    }

    static func entry(_ row: SQLRow) throws -> LedgerEntry {
        LedgerEntry(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), invoiceID: try row.id("invoice_id"), userID: try row.id("user_id"),
            kind: try row.value("kind", as: LedgerEntryKind.self), amountMinor: try row.int("amount_minor"), currency: try currency(row),
            method: try row.optionalString("method"), reference: try row.optionalString("reference"), actorID: try row.optionalID("actor_id"),
            at: try row.date("at"))
    }

    private static func currency(_ row: SQLRow) throws -> Currency {
        let code = try row.string("currency")
        guard let currency = Currency(code: code) else { throw StorageError.missingColumn("currency \(code)") }
        return currency
    }

    func insert(_ invoice: Invoice) async throws {
        precondition(invoice.chamberID == sql.chamberID, "invoice of another chamber")
        do {
            try await insertRow(invoice)
        } catch StorageError.uniqueViolation {
            throw ChamberError(.conflict, invoice.dues == nil ? "the registration has an invoice already" : "those dues are invoiced already")
        }
    }

    private func insertRow(_ invoice: Invoice) async throws {
        try await sql.query(
            "INSERT INTO invoices (\(Self.columns)) VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                .id(invoice.id), .id(invoice.userID), .text(invoice.number), .text(invoice.status.rawValue), .text(invoice.currency.code),
                try .json(invoice.lines), .text(invoice.memo), .int(invoice.totalMinor), .int(invoice.paidMinor), .int(invoice.creditedMinor),
                .int(invoice.refundedMinor), .date(invoice.issuedAt), .int(Int64(invoice.dueDays)), .date(invoice.dueAt), .date(invoice.paidAt),
                .date(invoice.closedAt), .id(invoice.createdBy), .date(invoice.createdAt), .int(Int64(invoice.revision)),
                .id(invoice.registrationID), .int(invoice.feesMinor), .int(Int64(invoice.remindersSent)), .text(invoice.dues?.kind.rawValue),
                .id(invoice.dues?.tierID), .date(invoice.dues?.periodStart), .date(invoice.dues?.periodEnd), .text(invoice.dues?.reference),
            ])
    }

    func find(id: InvoiceID) async throws -> Invoice? {
        try await sql.query("SELECT \(Self.columns) FROM invoices WHERE chamber_id = :chamber AND id = ?", [.id(id)]).first.map(Self.invoice)
    }

    func find(registration: RegistrationID) async throws -> Invoice? {
        try await sql.query(
            "SELECT \(Self.columns) FROM invoices WHERE chamber_id = :chamber AND registration_id = ? AND status <> 'void'", [.id(registration)]
        ).first.map(Self.invoice)
    }

    func find(duesReference reference: String) async throws -> Invoice? {
        try await sql.query(
            "SELECT \(Self.columns) FROM invoices WHERE chamber_id = :chamber AND dues_reference = ? AND status <> 'void'", [.text(reference)]
        ).first.map(Self.invoice)
    }

    func markReminded(_ id: InvoiceID, from: Int, to: Int, notices: [Notice]) async throws -> Bool {
        try await sql.transaction { tx in
            let marked =
                !(try await tx.query(
                    "UPDATE invoices SET reminders_sent = ? WHERE chamber_id = :chamber AND id = ? AND reminders_sent = ? RETURNING id",
                    [.int(Int64(to)), .id(id), .int(Int64(from))]
                ).isEmpty)
            if marked { try await SQLNoticeOutboxStore.insert(notices, in: tx) }
            return marked
        }
    }

    func list(userID: UserID?, status: InvoiceStatus?, page: PageRequest) async throws -> Page<Invoice> {
        var filters = ["chamber_id = :chamber"]
        var binds: [SQLValue] = []
        if let userID {
            filters.append("user_id = ?")
            binds.append(.id(userID))
        }
        if let status {
            filters.append("status = ?")
            binds.append(.text(status.rawValue))
        }
        let rows = try await sql.query(
            "SELECT \(Self.columns) FROM invoices WHERE \(filters.joined(separator: " AND ")) ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            binds + page.sqlBinds)
        return Page(fetched: try rows.map(Self.invoice), request: page)
    }

    func updateDraft(_ invoice: Invoice) async throws -> Bool {
        !(try await sql.query(
            """
            UPDATE invoices SET lines = ?, memo = ?, due_days = ?, revision = revision + 1
            WHERE chamber_id = :chamber AND id = ? AND revision = ? AND status = 'draft' RETURNING id
            """,
            [try .json(invoice.lines), .text(invoice.memo), .int(Int64(invoice.dueDays)), .id(invoice.id), .int(Int64(invoice.revision))]
        ).isEmpty)
    }

    /// Why a recording was given up (its transaction rolled back).
    private enum Abandoned: Error {
        case stale, keyTaken
    }

    func record(
        _ invoice: Invoice, entries: [LedgerEntry], key: BillingRequestKey?, events: @Sendable (Invoice) -> [WebhookEvent],
        notices: @Sendable (Invoice) -> [Notice]
    ) async throws -> InvoiceRecordOutcome {
        do {
            return .recorded(
                try await sql.transaction { tx in
                    if let key {
                        do {
                            try await tx.query(
                                "INSERT INTO billing_requests (chamber_id, idempotency_key, fingerprint, invoice_id, created_at) VALUES (:chamber, ?, ?, ?, ?)",
                                [.text(key.key), .text(key.fingerprint), .id(key.invoiceID), .date(entries.first?.at ?? Date())])
                        } catch StorageError.uniqueViolation {
                            throw Abandoned.keyTaken
                        }
                    }
                    // The revision guard takes the invoice's row first (PostgreSQL holds it to the commit).
                    let written = try await tx.query(
                        """
                        UPDATE invoices SET status = ?, total_minor = ?, fees_minor = ?, paid_minor = ?, credited_minor = ?, refunded_minor = ?, issued_at = ?,
                            due_at = ?, paid_at = ?, closed_at = ?, revision = revision + 1
                        WHERE chamber_id = :chamber AND id = ? AND revision = ? RETURNING id
                        """,
                        [
                            .text(invoice.status.rawValue), .int(invoice.totalMinor), .int(invoice.feesMinor), .int(invoice.paidMinor),
                            .int(invoice.creditedMinor),
                            .int(invoice.refundedMinor), .date(invoice.issuedAt), .date(invoice.dueAt), .date(invoice.paidAt),
                            .date(invoice.closedAt), .id(invoice.id), .int(Int64(invoice.revision)),
                        ])
                    guard !written.isEmpty else { throw Abandoned.stale }
                    var stored = invoice
                    stored.revision += 1
                    if stored.number == nil, stored.status != .draft {
                        stored.number = try await Self.nextNumber(tx)
                        try await tx.query(
                            "UPDATE invoices SET number = ? WHERE chamber_id = :chamber AND id = ?", [.text(stored.number), .id(invoice.id)])
                    }
                    let last =
                        try await tx.query(
                            "SELECT COALESCE(MAX(position), 0) AS last FROM ledger_entries WHERE chamber_id = :chamber AND invoice_id = ?",
                            [.id(invoice.id)]
                        ).first?.int("last") ?? 0
                    for (offset, entry) in entries.enumerated() {
                        try await tx.query(
                            """
                            INSERT INTO ledger_entries (id, chamber_id, invoice_id, user_id, kind, amount_minor, currency, method, reference, actor_id,
                                at, position)
                            VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                            [
                                .id(entry.id), .id(entry.invoiceID), .id(entry.userID), .text(entry.kind.rawValue), .int(entry.amountMinor),
                                .text(entry.currency.code), .text(entry.method), .text(entry.reference), .id(entry.actorID), .date(entry.at),
                                .int(last + Int64(offset) + 1),
                            ])
                    }
                    for event in events(stored) { try await SQLWebhookStore.enqueue(event, endpoint: nil, in: tx) }
                    try await SQLNoticeOutboxStore.insert(notices(stored), in: tx)
                    return stored
                })
        } catch Abandoned.stale {
            return .stale
        } catch Abandoned.keyTaken {
            return .keyTaken
        }
    }

    /// The chamber's next invoice number, `INV-000001` on.
    private static func nextNumber(_ tx: ChamberScopedSQL) async throws -> String {
        let row = try await tx.query(
            """
            INSERT INTO invoice_counters (chamber_id, last_number) VALUES (:chamber, 1)
            ON CONFLICT (chamber_id) DO UPDATE SET last_number = invoice_counters.last_number + 1 RETURNING last_number
            """)
        let number = try row.first?.int("last_number") ?? 1
        return "INV-" + String(repeating: "0", count: max(0, 6 - String(number).count)) + String(number)
    }

    func entries(of invoice: InvoiceID) async throws -> [LedgerEntry] {
        try await sql.query(
            """
            SELECT id, chamber_id, invoice_id, user_id, kind, amount_minor, currency, method, reference, actor_id, at FROM ledger_entries
            WHERE chamber_id = :chamber AND invoice_id = ? ORDER BY position
            """, [.id(invoice)]
        ).map(Self.entry)
    }

    func entries(from: Date, to: Date) async throws -> [LedgerEntry] {
        try await sql.query(
            """
            SELECT id, chamber_id, invoice_id, user_id, kind, amount_minor, currency, method, reference, actor_id, at FROM ledger_entries
            WHERE chamber_id = :chamber AND at >= ? AND at < ? ORDER BY at, position
            """, [.date(from), .date(to)]
        ).map(Self.entry)
    }

    func request(key: String) async throws -> BillingRequestKey? {
        try await sql.query(
            "SELECT idempotency_key, fingerprint, invoice_id FROM billing_requests WHERE chamber_id = :chamber AND idempotency_key = ?", [.text(key)]
        ).first.map {
            BillingRequestKey(key: try $0.string("idempotency_key"), fingerprint: try $0.string("fingerprint"), invoiceID: try $0.id("invoice_id"))
        }
    }

    func remember(_ key: BillingRequestKey, at: Date) async throws {
        try await sql.query(
            """
            INSERT INTO billing_requests (chamber_id, idempotency_key, fingerprint, invoice_id, created_at) VALUES (:chamber, ?, ?, ?, ?)
            ON CONFLICT (chamber_id, idempotency_key) DO NOTHING
            """, [.text(key.key), .text(key.fingerprint), .id(key.invoiceID), .date(at)])
    }

    func ledgerTotals() async throws -> [InvoiceID: (sum: Int64, count: Int)] {
        var totals: [InvoiceID: (Int64, Int)] = [:]
        for row in try await sql.query(
            """
            SELECT invoice_id, CAST(SUM(amount_minor) AS BIGINT) AS total, COUNT(*) AS entries FROM ledger_entries
            WHERE chamber_id = :chamber GROUP BY invoice_id
            """)
        {
            totals[try row.id("invoice_id")] = (try row.int("total"), Int(try row.int("entries")))
        }
        return totals
    }
}
