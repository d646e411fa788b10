import Foundation

/// Invoices as staff write and settle them and members read them: drafts, issuing, payments taken outside the
/// server, refunds, voids and write-offs, each recorded in the ledger in the same transaction as the invoice, and a
/// check that the two agree.
public final class BillingService: Sendable {
    let store: any Store
    /// The card processor; none where only payments taken outside the server are recorded.
    let provider: (any PaymentProvider)?
    /// Tells members of refused card payments.
    let mailer: (any Mailer)?
    /// Told when paying an invoice confirms an event registration.
    private let attendanceBoard: EventAttendanceBoard?
    /// Told when paying dues changes what a member may do.
    let membershipObserver: (any MembershipObserver)?
    /// Tells members of their invoices and their membership's status: in their feed, on their phones, by mail
    /// (without sockets or workers to wake when none is given: the node's workers find what it queues).
    let notices: NoticeNotifier
    let now: @Sendable () -> Date

    public init(
        store: any Store, provider: (any PaymentProvider)? = nil, mailer: (any Mailer)? = nil, attendanceBoard: EventAttendanceBoard? = nil,
        membershipObserver: (any MembershipObserver)? = nil, notices: NoticeNotifier? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.provider = provider
        self.mailer = mailer
        self.attendanceBoard = attendanceBoard
        self.membershipObserver = membershipObserver
        self.notices = notices ?? NoticeNotifier(store: store, delivery: nil, now: now)
        self.now = now
    }

    /// A draft invoice to a member of the chamber, in the chamber's currency unless another is given.
    public func create(_ access: ChamberAccess, input: InvoiceInput) async throws -> Invoice {
        try access.require(.create, .billing)
        guard let userID = input.userID else { throw ChamberError(.validationFailed, "user_id is required", field: "user_id") }
        guard input.lines != nil else { throw ChamberError(.validationFailed, "lines are required", field: "lines") }
        let scope = store.scoped(to: access.chamberID)
        guard try await scope.members.find(userID: userID) != nil else {
            throw ChamberError(.memberNotFound, "no member \(userID) in this chamber", field: "user_id")
        }
        let chamberCurrency = try await store.chambers.find(id: access.chamberID)?.settings.currency ?? "USD"
        let currency = try Currency.parse(input.currency ?? chamberCurrency, field: "currency")
        var invoice = Invoice(
            id: .generate(), chamberID: access.chamberID, userID: userID, currency: currency, lines: [], createdBy: access.userID,
            createdAt: now())
        try input.apply(to: &invoice)
        try await scope.invoices.insert(invoice)
        try await audit(access.chamberID, access.userID, "invoice.created", invoice, detail: "draft for \(userID)")
        return invoice
    }

    /// Changes a draft's lines, memo or due days.
    public func update(_ access: ChamberAccess, id: InvoiceID, input: InvoiceInput) async throws -> Invoice {
        try access.require(.update, .billing)
        guard input.userID == nil, input.currency == nil else {
            throw ChamberError(.validationFailed, "the member and currency of an invoice do not change; void it and write another")
        }
        var invoice = try await find(access, id: id)
        guard invoice.status == .draft else {
            throw ChamberError(.invoiceStateConflict, "a \(invoice.status.rawValue) invoice does not change; void or credit it")
        }
        try input.apply(to: &invoice)
        guard try await store.scoped(to: access.chamberID).invoices.updateDraft(invoice) else {
            throw ChamberError(.invoiceStateConflict, "the invoice changed while it was being written; read it again")
        }
        invoice.revision += 1
        return invoice
    }

    /// The chamber's invoices (staff and board), or the caller's own.
    public func list(_ access: ChamberAccess, userID: UserID?, status: InvoiceStatus?, page: PageRequest) async throws -> Page<Invoice> {
        let invoices = store.scoped(to: access.chamberID).invoices
        guard access.can(.view, .billing) else {
            guard userID == nil || userID == access.userID else { throw ChamberError(.forbidden, "members read their own invoices") }
            return try await invoices.list(userID: access.userID, status: status, page: page)
        }
        return try await invoices.list(userID: userID, status: status, page: page)
    }

    /// An invoice and its ledger entries, for staff and board or the member billed.
    public func get(_ access: ChamberAccess, id: InvoiceID) async throws -> (invoice: Invoice, entries: [LedgerEntry]) {
        let invoice = try await find(access, id: id)
        return (invoice, try await store.scoped(to: access.chamberID).invoices.entries(of: id))
    }

    /// The invoice as a document for its member or staff: the chamber's and the member's names with it.
    public func document(_ access: ChamberAccess, id: InvoiceID) async throws -> InvoiceDocument {
        let invoice = try await find(access, id: id)
        let chamber = try await store.chambers.find(id: access.chamberID)
        let member = try await store.users.find(id: invoice.userID)
        return InvoiceDocument(
            invoice: invoice, chamberName: chamber?.name ?? "", memberName: member?.displayName ?? "", memberEmail: member?.email ?? "",
            timeZone: TimeZone(identifier: chamber?.settings.timezone ?? "UTC") ?? .gmt)
    }

    /// Issues, pays, refunds, voids or writes off an invoice (staff). A key answers a retry with the invoice as it
    /// now stands, whatever changed since; the same key with another request is `idempotency_key_reused`. Payments
    /// and refunds need a key.
    public func apply(_ access: ChamberAccess, id: InvoiceID, _ operation: InvoiceOperation, idempotencyKey raw: String?) async throws -> Invoice {
        try access.require(.update, .billing)
        let key = try Validate.idempotencyKey(raw)
        switch operation {
        case .pay, .refund:
            guard key != nil else {
                throw ChamberError(.validationFailed, "payments and refunds need an Idempotency-Key header", field: "Idempotency-Key")
            }
        case .issue, .void, .writeOff: break
        case .cardPayment, .cardPaymentFailed, .cardRefund:
            throw ChamberError(.forbidden, "card payments are recorded from the processor's answers only")
        case .lateFee, .credit:
            throw ChamberError(.forbidden, "late fees and carried credits are applied by the chamber's policy only")
        }
        _ = try await find(access, id: id)
        // Clients' keys live apart from the server's own (`card:…`, `registration-…`), which a client cannot take.
        return try await perform(operation, on: id, in: access.chamberID, by: access.userID, key: key.map { "client:\($0)" })
    }

    /// An operation on an invoice, by `actor` (nil for the server itself), once per `key`; see ``apply(_:id:_:idempotencyKey:)``.
    /// `notices` makes of the invoice as stored the notices written owed with it (``deliver`` them after).
    func perform(
        _ operation: InvoiceOperation, on id: InvoiceID, in chamberID: ChamberID, by actor: UserID?, key: String?,
        notices: @escaping @Sendable (Invoice) -> [Notice] = { _ in [] }
    ) async throws -> Invoice {
        let invoices = store.scoped(to: chamberID).invoices
        let fingerprint = operation.fingerprint(of: id)
        if let key, let earlier = try await answer(to: key, fingerprint: fingerprint, in: chamberID) {
            // The first attempt may have stopped between paying the invoice and confirming its registration.
            try await settled(earlier, reference: nil)
            return earlier
        }
        for _ in 0..<5 {
            guard let invoice = try await invoices.find(id: id) else { throw ChamberError(.invoiceNotFound, "no invoice \(id) in this chamber") }
            let (next, entries) = try InvoiceLedger.apply(operation, to: invoice, by: actor, at: now())
            let request = key.map { BillingRequestKey(key: $0, fingerprint: fingerprint, invoiceID: id) }
            let events: @Sendable (Invoice) -> [WebhookEvent] = { WebhookEvent.of($0, before: invoice, entries: entries) }
            switch try await invoices.record(next, entries: entries, key: request, events: events, notices: notices) {
            case .recorded(let stored):
                try await audit(chamberID, actor, "invoice.\(Self.action(operation))", stored, detail: Self.detail(operation, stored))
                if stored.status == .paid, invoice.status != .paid {
                    var reference: String?
                    if case .pay(_, _, let given) = operation { reference = given }
                    try await settled(stored, reference: reference)
                }
                return stored
            case .stale:
                continue
            case .keyTaken:
                // A concurrent retry of this request got there first.
                guard let earlier = try await answer(to: key ?? "", fingerprint: fingerprint, in: chamberID) else { continue }
                try await settled(earlier, reference: nil)
                return earlier
            }
        }
        throw ChamberError(.invoiceStateConflict, "the invoice kept changing while it was being written; read it again")
    }

    // MARK: - Event registrations

    /// The invoice of a registration awaiting payment: written and issued the first time (due when the registration's
    /// payment time runs out, in the chamber's currency), found after. Nil for a registration that owes nothing or
    /// has no account (a walk-in pays at the door).
    public func invoice(for registration: Registration, of event: Event, ticketName: String) async throws -> Invoice? {
        guard let userID = registration.userID, registration.amountCents > 0 else { return nil }
        let scope = store.scoped(to: registration.chamberID)
        if var found = try await scope.invoices.find(registration: registration.id) {
            // Written by an attempt that stopped before issuing it.
            if found.status == .draft { found = try await perform(.issue, on: found.id, in: registration.chamberID, by: nil, key: nil) }
            if registration.invoiceID != found.id { try await scope.events.link(registration.id, invoice: found.id) }
            return found
        }
        let currency = try Currency.parse(try await store.chambers.find(id: registration.chamberID)?.settings.currency ?? "USD", field: "currency")
        let guests = registration.guests.isEmpty ? "" : " and \(registration.guests.count) guest(s)"
        let draft = Invoice(
            id: .generate(), chamberID: registration.chamberID, userID: userID, currency: currency,
            lines: [
                InvoiceLine(
                    description: "\(event.title), \(EventText.when(event)): \(ticketName)\(guests)", quantity: 1,
                    unitAmountMinor: Int64(registration.amountCents))
            ],
            memo: registration.discountCode.map { "Discount code \($0)" }, dueDays: 0, dueAt: registration.paymentDueAt,
            createdBy: registration.registeredBy, createdAt: now(), registrationID: registration.id)
        do {
            try await scope.invoices.insert(draft)
        } catch let error as ChamberError where error.code == .conflict {
            // Billed by a concurrent attempt, which issues it (or a later attempt does, above).
            return try await invoice(for: registration, of: event, ticketName: ticketName)
        }
        let issued = try await perform(.issue, on: draft.id, in: registration.chamberID, by: nil, key: nil)
        try await scope.events.link(registration.id, invoice: issued.id)
        return issued
    }

    /// Settles the invoice of a registration that ended (cancelled, expired, its event cancelled): what was paid is
    /// refunded in full (card payments back to their cards through the processor, the rest recorded as given back by
    /// hand), and what is still owed is voided. Safe to repeat: each card payment is refunded once.
    public func settleEnded(_ registration: Registration, reason: String) async throws {
        let invoices = store.scoped(to: registration.chamberID).invoices
        guard var invoice = try await invoices.find(registration: registration.id) else { return }
        if invoice.paidMinor > 0, let provider {
            let entries = try await invoices.entries(of: invoice.id)
            for payment in entries where payment.kind == .paymentSucceeded && payment.method == "card" {
                guard let paymentID = payment.reference else { continue }
                let given = entries.filter { $0.kind == .refund && $0.method == "card" && $0.reference == paymentID }.reduce(0) {
                    $0 + $1.amountMinor
                }
                let amount = min(-payment.amountMinor - given, invoice.paidMinor)
                guard amount > 0 else { continue }
                let refundID = try await provider.refund(
                    paymentID: paymentID, amountMinor: amount, idempotencyKey: "refund-\(paymentID)-\(given)")
                invoice = try await perform(
                    .cardRefund(amountMinor: amount, paymentID: paymentID, refundID: refundID), on: invoice.id, in: registration.chamberID, by: nil,
                    key: "card-refund:\(refundID)")
            }
        }
        if invoice.paidMinor > 0 {
            invoice = try await perform(
                .refund(amountMinor: invoice.paidMinor, reason: reason), on: invoice.id, in: registration.chamberID, by: nil,
                key: "registration-refund:\(registration.id):\(invoice.revision)")
        }
        if invoice.status == .open { _ = try await perform(.void, on: invoice.id, in: registration.chamberID, by: nil, key: nil) }
    }

    /// Voids an unpaid registration's invoice (its price is changing); false when it has payments (it stays).
    public func voidUnpaid(_ registration: Registration) async throws -> Bool {
        guard let invoice = try await store.scoped(to: registration.chamberID).invoices.find(registration: registration.id) else { return true }
        guard invoice.status == .open, invoice.paidMinor == 0 else { return invoice.status == .void }
        _ = try await perform(.void, on: invoice.id, in: registration.chamberID, by: nil, key: nil)
        return true
    }

    /// What paying an invoice does beyond it: confirms the registration it bills, moves the standing its dues are
    /// for. Safe to repeat.
    private func settled(_ invoice: Invoice, reference: String?) async throws {
        guard invoice.status == .paid else { return }
        if let registration = invoice.registrationID {
            try await registrationPaid(registration, by: invoice, reference: reference ?? invoice.number)
        }
        try await duesPaid(invoice)
    }

    /// Confirms the registration an invoice paid; one that ended meanwhile gets its money back.
    private func registrationPaid(_ id: RegistrationID, by invoice: Invoice, reference: String?) async throws {
        let events = store.scoped(to: invoice.chamberID).events
        for _ in 0..<5 {
            guard var registration = try await events.registration(id: id) else { return }
            guard registration.confirmPaid(at: now(), reference: reference) else {
                if !registration.status.isOpen { try await settleEnded(registration, reason: "paid after the registration had ended") }
                return
            }
            if try await events.advance(registration) {
                try await store.scoped(to: invoice.chamberID).auditLog.append(
                    AuditEntry(
                        chamberID: invoice.chamberID, actorID: nil, action: "event.payment_recorded", target: "registration:\(id)",
                        detail: "event \(registration.eventID): paid by \(invoice.number ?? invoice.id.rawValue)", at: now()))
                await attendanceBoard?.changed(registration.eventID, in: invoice.chamberID)
                return
            }
        }
        throw ChamberError(.registrationStateConflict, "the registration kept changing while its payment was recorded")
    }

    /// Every invoice of the chamber checked against its ledger entries (staff and board).
    public func check(_ access: ChamberAccess) async throws -> (checked: Int, mismatches: [(invoice: Invoice, reason: String)]) {
        try access.require(.view, .billing)
        let invoices = store.scoped(to: access.chamberID).invoices
        let totals = try await invoices.ledgerTotals()
        let all = try await Page.collect(upTo: 1_000_000) { try await invoices.list(userID: nil, status: nil, page: $0) }
        var mismatches: [(Invoice, String)] = []
        for invoice in all {
            let total = totals[invoice.id] ?? (0, 0)
            if let reason = LedgerCheck.mismatch(invoice, entrySum: total.sum, entryCount: total.count) { mismatches.append((invoice, reason)) }
        }
        let known = Set(all.map(\.id))
        for orphan in totals.keys where !known.contains(orphan) {
            throw ChamberError(.internalError, "ledger entries of invoice \(orphan), which does not exist")
        }
        return (all.count, mismatches)
    }

    // MARK: - Private

    /// The invoice as it stands for a retry of the request `key` was first used for; nil when the key is new.
    private func answer(to key: String, fingerprint: String, in chamberID: ChamberID) async throws -> Invoice? {
        let invoices = store.scoped(to: chamberID).invoices
        guard let earlier = try await invoices.request(key: key) else { return nil }
        guard earlier.fingerprint == fingerprint else {
            throw ChamberError(
                .idempotencyKeyReused, "this Idempotency-Key was used for another request; use a new key for a new request",
                field: "Idempotency-Key")
        }
        return try await invoices.find(id: earlier.invoiceID)
    }

    func find(_ access: ChamberAccess, id: InvoiceID) async throws -> Invoice {
        guard let invoice = try await store.scoped(to: access.chamberID).invoices.find(id: id),
            access.can(.view, .billing) || invoice.userID == access.userID
        else { throw ChamberError(.invoiceNotFound, "no invoice \(id) of yours in this chamber") }
        return invoice
    }

    private static func action(_ operation: InvoiceOperation) -> String {
        switch operation {
        case .issue: "issued"
        case .pay: "payment_recorded"
        case .refund: "refunded"
        case .void: "voided"
        case .writeOff: "written_off"
        case .cardPayment: "card_payment"
        case .cardPaymentFailed: "card_payment_failed"
        case .cardRefund: "card_refunded"
        case .lateFee: "late_fee"
        case .credit: "credited"
        }
    }

    private static func detail(_ operation: InvoiceOperation, _ invoice: Invoice) -> String {
        let number = invoice.number ?? invoice.id.rawValue
        return switch operation {
        case .issue: "\(number): \(invoice.totalMinor) \(invoice.currency)"
        case .pay(let amount, let method, let reference): "\(number): \(amount) \(invoice.currency) by \(method.rawValue) \(reference ?? "")"
        case .refund(let amount, let reason): "\(number): \(amount) \(invoice.currency) back \(reason ?? "")"
        case .void, .writeOff: "\(number): \(invoice.creditedMinor) \(invoice.currency) no longer asked"
        case .cardPayment(let amount, let payment): "\(number): \(amount) \(invoice.currency) by card (\(payment))"
        case .cardPaymentFailed(let payment, let code): "\(number): card payment \(payment) refused: \(code)"
        case .cardRefund(let amount, let payment, let refund): "\(number): \(amount) \(invoice.currency) back to the card of \(payment) (\(refund))"
        case .lateFee(let amount): "\(number): late fee of \(amount) \(invoice.currency)"
        case .credit(let amount, let reason): "\(number): \(amount) \(invoice.currency) taken off (\(reason))"
        }
    }

    func audit(_ chamberID: ChamberID, _ actor: UserID?, _ action: String, _ invoice: Invoice, detail: String) async throws {
        try await store.scoped(to: chamberID).auditLog.append(
            AuditEntry(chamberID: chamberID, actorID: actor, action: action, target: "invoice:\(invoice.id)", detail: detail, at: now()))
    }
}
