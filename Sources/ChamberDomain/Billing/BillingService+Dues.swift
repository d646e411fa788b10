import Foundation

/// Membership dues through invoices: each period invoiced ahead of its start by the chamber's policy, a tier change's
/// net invoiced (or carried as a credit to the next dues), reminders before and after the due date, a late fee once,
/// and the standing moved when a dues invoice is paid however it was paid (desk, card, webhook, credit).
///
/// The job runs on every node: an invoice per period and per tier change is one row by its ``DuesTerms/reference``
/// (a unique index), a reminder is sent by the node whose mark lands, and a fee is one request by its key.
extension BillingService {
    /// Invoices the dues that fall due and sends reminders and fees, in every chamber; returns how many invoices
    /// were written, reminders sent and fees added. One chamber that fails does not hold up the others.
    @discardableResult
    public func runDues() async throws -> Int {
        try await eachChamber(in: store) { try await runDues(in: $0) }
    }

    /// The dues job for one chamber.
    @discardableResult
    public func runDues(chamberID: ChamberID) async throws -> Int {
        guard let chamber = try await store.chambers.find(id: chamberID) else { return 0 }
        return try await runDues(in: chamber)
    }

    private func runDues(in chamber: Chamber) async throws -> Int {
        let scope = store.scoped(to: chamber.id)
        var done = 0
        var failure: (any Error)?
        // One member's or invoice's failure (a card the processor no longer has, a race with a payment) is audited and
        // does not hold up the others; the first is thrown once all had their turn, for the job's log.
        func each(_ target: String, _ work: () async throws -> Bool) async {
            do {
                if try await work() { done += 1 }
            } catch {
                failure = failure ?? error
                try? await scope.auditLog.append(
                    AuditEntry(chamberID: chamber.id, actorID: nil, action: "billing.dues_job_failed", target: target, detail: "\(error)", at: now()))
            }
        }
        for member in try await Page.collect({ try await scope.standings.list(status: nil, page: $0) }) {
            await each("user:\(member.user.id)") { try await invoiceDues(of: member, in: chamber) != nil }
        }
        for invoice in try await Page.collect({ try await scope.invoices.list(userID: nil, status: .open, page: $0) }) {
            // A credit held since the invoice was written, then autopay, then the reminders any open invoice gets.
            await each("invoice:\(invoice.id)") { try await applyHeldCredit(invoice, in: chamber).status != invoice.status }
            await each("invoice:\(invoice.id)") { try await autopay(invoice, in: chamber) }
            await each("invoice:\(invoice.id)") {
                guard let current = try await scope.invoices.find(id: invoice.id) else { return false }
                return try await remind(current, in: chamber)
            }
        }
        if let failure { throw failure }
        return done
    }

    // MARK: - Invoicing

    /// The member's next dues invoice, written and issued when its period starts within the chamber's
    /// ``MembershipPolicy/invoiceDaysBefore`` (at once for a member who never paid); nil when it is not time yet, the
    /// period is invoiced already, or the membership is not billed (suspended, cancelled, lapsed).
    func invoiceDues(of member: Member, in chamber: Chamber) async throws -> Invoice? {
        guard let standing = member.membership.standing, [.pending, .trial, .active, .grace].contains(standing.status) else { return nil }
        let at = now()
        let policy = chamber.settings.membership
        let paidUpTo = standing.paidThrough ?? standing.trialEndsAt
        if let paidUpTo, DuesCalendar.adding(days: -policy.invoiceDaysBefore, to: paidUpTo) > at { return nil }
        let scope = store.scoped(to: chamber.id)
        // One period owed at a time: a member who never paid would otherwise be invoiced anew each day.
        let open = try await scope.invoices.list(userID: member.user.id, status: .open, page: PageRequest(limit: 100)).items
        guard !open.contains(where: { $0.dues?.kind == .period }) else { return nil }
        guard let tier = try await scope.tiers.find(id: standing.tierID) else { return nil }
        let span = DuesCalendar.nextSpan(paidThrough: paidUpTo, from: at, tier: tier, renewal: policy.renewal)
        let terms = DuesTerms.period(of: member.user.id, tierID: tier.id, span: span)
        if let found = try await scope.invoices.find(duesReference: terms.reference) {
            // Written by an attempt that stopped before issuing it.
            guard found.status == .draft else { return nil }
            return try await issueDues(found, in: chamber)
        }
        let currency = try Currency.parse(chamber.settings.currency, field: "currency")
        let timeZone = TimeZone(identifier: chamber.settings.timezone) ?? .gmt
        let last = DuesCalendar.adding(days: -1, to: span.end)
        let draft = Invoice(
            id: .generate(), chamberID: chamber.id, userID: member.user.id, currency: currency,
            lines: [
                InvoiceLine(
                    description:
                        "\(tier.name) membership dues, \(CalendarDay.text(span.start, in: timeZone)) to \(CalendarDay.text(last, in: timeZone))",
                    quantity: 1, unitAmountMinor: Int64(span.amountCents))
            ],
            // Due as the period starts; a period invoiced once it began (a first one, a late run) leaves some days to pay.
            dueDays: 0, dueAt: span.start > at ? span.start : DuesCalendar.adding(days: Self.firstDuesDays, to: DuesCalendar.day(at)),
            createdBy: member.user.id, createdAt: at, dues: terms)
        do {
            try await scope.invoices.insert(draft)
        } catch let error as ChamberError where error.code == .conflict {
            return nil  // Another node invoiced the period at the same moment.
        }
        return try await issueDues(draft, in: chamber)
    }

    /// Days a member has to pay dues invoiced late (a first period, or one invoiced after it began).
    static let firstDuesDays = 14

    /// Issues a dues draft, takes off what credit the member holds, and mails the member the invoice; nil when another
    /// node issued it first (that node does the rest).
    private func issueDues(_ draft: Invoice, in chamber: Chamber) async throws -> Invoice? {
        // The notice, written with the issue, tells what is owed once the credit held is taken off (the next step,
        // which the daily job finishes should this node stop before it).
        let credit = try await creditHeld(by: draft.userID, in: chamber.id)
        let noticeID = NotificationID.generateOrdered()
        var invoice: Invoice
        do {
            invoice = try await perform(.issue, on: draft.id, in: chamber.id, by: nil, key: nil) { issued in
                let owed = issued.amountDueMinor - min(credit, issued.amountDueMinor)
                let number = issued.number ?? ""
                return [
                    self.notice(
                        issued, in: chamber, id: noticeID, subject: "your dues invoice \(number)",
                        body: owed == 0
                            ? "Your membership dues (invoice \(number)) came to nothing after your credit: nothing to pay."
                            : "Your membership dues are invoiced: \(self.money(owed, issued.currency)) due on \(self.day(issued.dueAt, chamber)) "
                                + "(invoice \(number)). Pay it by card or at the chamber's office.")
                ]
            }
        } catch let error as ChamberError where error.code == .invoiceStateConflict {
            return nil
        }
        try await audit(chamber.id, nil, "invoice.dues_invoiced", invoice, detail: draft.dues?.reference ?? "")
        invoice = try await applyHeldCredit(invoice, in: chamber)
        await notices.deliver([noticeID])
        return invoice
    }

    /// Takes what credit the member holds off an open dues invoice that has none taken off yet (once, by key: the
    /// invoice as written, or one whose writer stopped before this step).
    func applyHeldCredit(_ invoice: Invoice, in chamber: Chamber) async throws -> Invoice {
        guard invoice.status == .open, invoice.dues?.kind == .period else { return invoice }
        let entries = try await store.scoped(to: chamber.id).invoices.entries(of: invoice.id)
        guard !entries.contains(where: { $0.method == "account_credit" }) else { return invoice }
        let credit = try await creditHeld(by: invoice.userID, in: chamber.id)
        guard credit > 0 else { return invoice }
        return try await perform(
            .credit(amountMinor: min(credit, invoice.amountDueMinor), reason: "credit from a tier change"), on: invoice.id, in: chamber.id, by: nil,
            key: "dues-credit:\(invoice.id)")
    }

    /// What a member is owed from tier changes to cheaper tiers (their negative prorations) and has not had taken off
    /// dues yet: derived from the dues ledger and the credits on invoices, so nothing keeps a balance that could drift.
    func creditHeld(by userID: UserID, in chamberID: ChamberID) async throws -> Int64 {
        let scope = store.scoped(to: chamberID)
        let owed = try await scope.standings.ledger(userID: userID, limit: 10_000).filter { $0.kind == .proration && $0.amountCents < 0 }
            .reduce(Int64(0)) { $0 - Int64($1.amountCents) }
        guard owed > 0 else { return 0 }
        var used: Int64 = 0
        // A voided or written-off invoice gives back what was taken off it.
        for invoice in try await Page.collect(upTo: 10_000, { try await scope.invoices.list(userID: userID, status: nil, page: $0) })
        where invoice.status == .open || invoice.status == .paid {
            used += try await scope.invoices.entries(of: invoice.id).filter { $0.kind == .credit && $0.method == "account_credit" }
                .reduce(Int64(0)) { $0 - $1.amountMinor }
        }
        return max(owed - used, 0)
    }

    /// Bills a tier change's net: an invoice for the days left on the dearer tier when the member owes (due in
    /// ``firstDuesDays``), nothing else (a credit is held from the dues ledger and taken off the next dues).
    /// `entry` is the change's proration in the dues ledger; its id makes the invoice one, however often this runs.
    public func invoiceTierChange(
        _ entry: DuesLedgerEntry, proration: Proration, from old: MembershipTier, to new: MembershipTier
    ) async throws
        -> Invoice?
    {
        guard proration.netCents > 0, let start = entry.periodStart, let end = entry.periodEnd else { return nil }
        guard let chamber = try await store.chambers.find(id: old.chamberID) else { return nil }
        let scope = store.scoped(to: chamber.id)
        let terms = DuesTerms(
            kind: .proration, tierID: new.id, periodStart: DuesCalendar.day(start), periodEnd: end, reference: "proration:\(entry.id)")
        if let found = try await scope.invoices.find(duesReference: terms.reference) { return found }
        let currency = try Currency.parse(chamber.settings.currency, field: "currency")
        let draft = Invoice(
            id: .generate(), chamberID: chamber.id, userID: entry.userID, currency: currency,
            lines: [
                InvoiceLine(
                    description: "\(old.name) → \(new.name), \(proration.daysLeft) days left of \(proration.daysInPeriod): "
                        + "\(new.name) \(money(Int64(proration.chargeCents), currency)) less \(old.name) unused \(money(Int64(proration.creditCents), currency))",
                    quantity: 1, unitAmountMinor: Int64(proration.netCents))
            ],
            dueDays: Self.firstDuesDays, createdBy: entry.recordedBy ?? entry.userID, createdAt: now(), dues: terms)
        do {
            try await scope.invoices.insert(draft)
        } catch let error as ChamberError where error.code == .conflict {
            return try await scope.invoices.find(duesReference: terms.reference)
        }
        let noticeID = NotificationID.generateOrdered()
        let invoice = try await perform(.issue, on: draft.id, in: chamber.id, by: entry.recordedBy, key: nil) { issued in
            [
                self.notice(
                    issued, in: chamber, id: noticeID, subject: "your tier change, invoice \(issued.number ?? "")",
                    body: "Your membership moved from \(old.name) to \(new.name). For the \(proration.daysLeft) days left of your paid period, "
                        + "\(self.money(issued.amountDueMinor, currency)) is due on \(self.day(issued.dueAt, chamber)) (invoice \(issued.number ?? ""))."
                )
            ]
        }
        await notices.deliver([noticeID])
        return invoice
    }

    /// Voids a member's open period dues invoices with nothing paid on them (written at a tier's price the member
    /// has left): the job writes them again at the new tier's, and a credit taken off one is held again.
    public func voidUnpaidDues(of userID: UserID, in chamberID: ChamberID) async throws {
        let open = try await store.scoped(to: chamberID).invoices.list(userID: userID, status: .open, page: PageRequest(limit: 100)).items
        for invoice in open where invoice.dues?.kind == .period && invoice.paidMinor == 0 {
            _ = try await perform(.void, on: invoice.id, in: chamberID, by: nil, key: nil)
        }
    }

    // MARK: - Paid dues

    /// Moves the standing of the member whose dues invoice was paid; nothing for other invoices, or when it moved
    /// already. Safe to repeat (a retry, the webhook after the answer): a period moves the paid-through date once.
    func duesPaid(_ invoice: Invoice) async throws {
        guard invoice.status == .paid, let terms = invoice.dues, terms.kind == .period else { return }
        guard let chamber = try await store.chambers.find(id: invoice.chamberID) else { return }
        let scope = store.scoped(to: chamber.id)
        for _ in 0..<5 {
            guard let member = try await scope.members.find(userID: invoice.userID), let standing = member.membership.standing else { return }
            let at = now()
            guard let next = standing.paying(terms, at: at, policy: chamber.settings.membership) else { return }
            var membership = member.membership
            membership.standing = next
            let told = StandingNotice.notices(
                chamber, member: Member(membership: membership, user: member.user), from: standing.status, reason: nil, at: at)
            let entry = DuesLedgerEntry(
                id: invoice.id.rawValue, userID: invoice.userID, kind: .duesPaid, amountCents: Int(invoice.totalMinor),
                currency: invoice.currency.code, periodStart: next.periodStart, periodEnd: next.paidThrough,
                note: "invoice \(invoice.number ?? invoice.id.rawValue)", recordedBy: nil, at: at)
            guard try await scope.standings.update(userID: invoice.userID, next, entry: entry, seats: nil, notices: told) else { continue }
            var moved = next
            moved.revision += 1
            try await scope.auditLog.append(
                AuditEntry(
                    chamberID: chamber.id, actorID: nil, action: "membership.dues_paid", target: "user:\(invoice.userID)",
                    detail: "\(standing.status.rawValue) → \(moved.status.rawValue); paid through \(CalendarDay.text(moved.paidThrough ?? at)) "
                        + "by \(invoice.number ?? invoice.id.rawValue)", at: at))
            membership.standing = moved
            await StandingNotice(store: store, mailer: mailer, observer: membershipObserver, notices: notices, now: now)
                .changed(chamber, member: Member(membership: membership, user: member.user), from: standing.status, told: told)
            return
        }
        throw ChamberError(.standingConflict, "the membership kept changing while its dues payment was recorded")
    }

    // MARK: - Reminders and late fees

    /// Sends the reminder `invoice` is due for, if any, once: a week before its due date, when it falls overdue, and
    /// with the late fee the chamber's policy adds some days later. Registrations' invoices are left to their
    /// payment time. Returns whether anything was sent or added.
    func remind(_ invoice: Invoice, in chamber: Chamber) async throws -> Bool {
        guard invoice.status == .open, invoice.registrationID == nil, let dueAt = invoice.dueAt else { return false }
        let policy = chamber.settings.membership
        // The late fee is the dues policy's: other invoices are reminded, never charged a fee.
        let fee = invoice.dues == nil ? 0 : policy.lateFeeMinor
        let stage = InvoiceReminder.due(dueAt: dueAt, at: now(), lateFeeMinor: fee, lateFeeAfterDays: policy.lateFeeAfterDays)
        guard let stage, stage.rawValue > invoice.remindersSent else { return false }
        var current = invoice
        if stage == .lateFee {
            // Keyed: added once, whichever node gets there, and before the mark, so a stop in between adds it on the next run.
            current = try await perform(
                .lateFee(amountMinor: policy.lateFeeMinor), on: invoice.id, in: chamber.id, by: nil, key: "late-fee:\(invoice.id)")
        }
        if stage >= .overdue, invoice.remindersSent < InvoiceReminder.overdue.rawValue {
            // Queued before the mark, and once by its id: a stop in between queues it again, to no effect.
            try await store.scoped(to: chamber.id).webhooks.enqueue([.overdue(current, at: now())])
        }
        let number = current.number ?? current.id.rawValue
        let owed = money(current.amountDueMinor, current.currency)
        let told =
            switch stage {
            case .dueSoon:
                notice(
                    current, in: chamber, subject: "invoice \(number) is due on \(day(dueAt, chamber))",
                    body: "\(owed) is due on \(day(dueAt, chamber)) (invoice \(number)).")
            case .overdue:
                notice(
                    current, in: chamber, subject: "invoice \(number) is overdue",
                    body: "Invoice \(number) was due on \(day(dueAt, chamber)); \(owed) is still owed."
                        + (fee > 0
                            ? " A late fee of \(money(policy.lateFeeMinor, current.currency)) is added \(policy.lateFeeAfterDays) days after the due date."
                            : ""))
            case .lateFee:
                notice(
                    current, in: chamber, subject: "invoice \(number): a late fee was added",
                    body:
                        "Invoice \(number) was due on \(day(dueAt, chamber)). A late fee of \(money(policy.lateFeeMinor, current.currency)) was added; "
                        + "\(owed) is now owed.")
            }
        guard
            try await store.scoped(to: chamber.id).invoices.markReminded(
                invoice.id, from: invoice.remindersSent, to: stage.rawValue, notices: [told])
        else { return false }
        await notices.deliver([told.id])
        try await audit(chamber.id, nil, "invoice.reminded", current, detail: "\(number): \(stage)")
        return true
    }

    // MARK: - Telling

    /// A notice to the invoice's member about it, with its mail: `subject` is what it is about ("your dues invoice
    /// INV-000007"), its heading once capitalised, and after the chamber's name the mail's subject.
    private func notice(
        _ invoice: Invoice, in chamber: Chamber, id: NotificationID = .generateOrdered(), subject: String, body: String
    ) -> Notice {
        Notice(
            id: id, chamberID: chamber.id, userID: invoice.userID, category: .billing, subject: .invoice(invoice.id),
            title: subject.prefix(1).uppercased() + subject.dropFirst(), text: body, mailSubject: "\(chamber.name): \(subject)", at: now())
    }

    private func money(_ amount: Int64, _ currency: Currency) -> String { "\(MinorUnits.decimal(amount, currency)) \(currency.code)" }

    private func day(_ date: Date?, _ chamber: Chamber) -> String {
        date.map { CalendarDay.text($0, in: TimeZone(identifier: chamber.settings.timezone) ?? .gmt) } ?? "receipt"
    }
}
