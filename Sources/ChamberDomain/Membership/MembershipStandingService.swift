import Foundation

/// What staff do to a membership's standing.
public enum StandingAction: Sendable, Equatable {
    /// On hold whatever the dues; `reason` is audited and mailed.
    case suspend(reason: String)
    /// Ended; `reason` is audited and mailed.
    case cancel(reason: String)
    /// Out of suspension or cancellation, into whatever the dates call for.
    case reinstate
    /// Dues received outside billing (a check, a bank transfer) for the next period.
    case recordPayment(note: String?)
    /// Onto another tier; the days left of the paid period are prorated into the ledger for billing.
    case changeTier(TierID)
}

/// Membership standing through the year: the standing job (hourly) that lets dates move statuses (trial ends, dues fall due,
/// grace runs out), and what staff do by hand (suspend, cancel, reinstate, record a payment, change a tier).
///
/// Every write checks the standing's revision, so the job may run on every node at once: one node makes each change
/// and only that node tells the member. A change of what the member may do (``MemberPrivilege/chat``) makes their
/// sockets reconnect to pick it up.
public final class MembershipStandingService: Sendable {
    private let store: any Store
    private let mailer: any Mailer
    private let observer: (any MembershipObserver)?
    /// Invoices tier changes' prorations; none where dues are recorded by hand only.
    private let billing: BillingService?
    /// Tells members of their membership's status: in their feed, on their phones, by mail (without sockets or
    /// workers to wake when none is given: the node's workers find what it queues).
    private let notices: NoticeNotifier
    private let now: @Sendable () -> Date

    public init(
        store: any Store, mailer: any Mailer, observer: (any MembershipObserver)? = nil, billing: BillingService? = nil,
        notices: NoticeNotifier? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.mailer = mailer
        self.observer = observer
        self.billing = billing
        self.notices = notices ?? NoticeNotifier(store: store, delivery: nil, now: now)
        self.now = now
    }

    /// The standing a newly approved member starts in: a trial when the chamber gives one, else pending until the
    /// first dues.
    public static func opening(policy: MembershipPolicy, tierID: TierID, businessID: BusinessID?, at: Date) -> MembershipStanding {
        policy.trialDays > 0
            ? MembershipStanding(
                tierID: tierID, status: .trial, businessID: businessID, trialEndsAt: DuesCalendar.adding(days: policy.trialDays, to: at),
                statusChangedAt: at)
            : MembershipStanding(tierID: tierID, status: .pending, businessID: businessID, statusChangedAt: at)
    }

    // MARK: Reading

    /// Dues-paying members, in `status` (any when nil): staff, admins and the board.
    public func list(_ access: ChamberAccess, status: MembershipStatus?, page: PageRequest) async throws -> Page<Member> {
        try access.require(.view, .standing)
        let hidden = try await store.contactsHidden(from: access)
        return try await store.scoped(to: access.chamberID).standings.list(status: status, page: page).map {
            ChamberService.redacted($0, hidden: hidden, for: access)
        }
    }

    /// A member's standing and ledger: their own, or anyone's for staff, admins and the board.
    public func standing(_ access: ChamberAccess, userID: UserID) async throws -> (member: Member, ledger: [DuesLedgerEntry]) {
        if userID != access.userID { try access.require(.view, .standing) }
        let scope = store.scoped(to: access.chamberID)
        guard let member = try await scope.members.find(userID: userID), member.membership.standing != nil else {
            throw ChamberError(.standingNotFound, "no dues-paying membership for user \(userID) in this chamber")
        }
        let shown = ChamberService.redacted(member, hidden: try await store.contactsHidden(from: access), for: access)
        return (shown, try await scope.standings.ledger(userID: userID, limit: 100))
    }

    // MARK: Staff

    /// Applies `action`; answers the member as stored and, for a tier change, its proration.
    public func act(_ access: ChamberAccess, userID: UserID, _ action: StandingAction) async throws -> (member: Member, proration: Proration?) {
        try access.require(.update, .standing)
        guard let chamber = try await store.chambers.find(id: access.chamberID) else {
            throw ChamberError(.chamberNotFound, "no chamber \(access.chamberID)")
        }
        let scope = store.scoped(to: chamber.id)
        guard var member = try await scope.members.find(userID: userID), let before = member.membership.standing else {
            throw ChamberError(.standingNotFound, "no dues-paying membership for user \(userID) in this chamber")
        }
        guard access.role == .admin || member.membership.role < .staff else {
            throw ChamberError(.forbidden, "only an admin acts on the membership of staff or another admin")
        }
        let at = now()
        let policy = chamber.settings.membership
        // The dates may have moved it since the job last ran: act on where it stands now.
        var standing = before
        standing.status = before.due(at: at, graceDays: policy.graceDays)
        var entry: DuesLedgerEntry?
        var proration: Proration?
        var seats: SeatLimit?
        var reason: String?
        switch action {
        case .suspend(let text), .cancel(let text):
            let target: MembershipStatus = if case .suspend = action { .suspended } else { .cancelled }
            guard standing.status != target, standing.status != .cancelled else {
                throw ChamberError(.standingConflict, "the membership is \(standing.status.rawValue) already")
            }
            reason = try Validate.optionalText(text, field: "reason", maxLength: 2000)
            guard reason != nil else { throw ChamberError(.validationFailed, "reason is required", field: "reason") }
            standing.status = target
        case .reinstate:
            guard standing.status.isSetByStaff else {
                throw ChamberError(
                    .standingConflict, "only a suspended or cancelled membership is reinstated; this one is \(standing.status.rawValue)")
            }
            standing.status = standing.dueByDates(at: at, graceDays: policy.graceDays)
        case .recordPayment(let note):
            guard !standing.status.isSetByStaff else {
                throw ChamberError(.standingConflict, "reinstate the \(standing.status.rawValue) membership before recording its dues")
            }
            // Dues invoiced are paid on their invoice, so the period is not paid twice.
            for invoice in try await scope.invoices.list(userID: userID, status: .open, page: PageRequest(limit: 100)).items
            where invoice.dues?.kind == .period {
                throw ChamberError(
                    .standingConflict, "these dues are invoiced (\(invoice.number ?? invoice.id.rawValue)); record the payment on the invoice")
            }
            let tier = try await requireTier(standing.tierID, in: scope)
            // Dues run on from where the paid period (or the trial) ended, so grace days are not free days; a lapsed
            // membership restarts from today rather than paying for months gone by.
            let paidUpTo = standing.status == .lapsed ? nil : standing.paidThrough ?? standing.trialEndsAt
            let span = DuesCalendar.nextSpan(paidThrough: paidUpTo, from: at, tier: tier, renewal: policy.renewal)
            standing.periodStart = span.start
            standing.paidThrough = span.end
            entry = DuesLedgerEntry(
                userID: userID, kind: .duesPaid, amountCents: span.amountCents, currency: chamber.settings.currency, periodStart: span.start,
                periodEnd: span.end,
                note: try Validate.optionalText(note, field: "note", maxLength: 500).map { "offline payment: \($0)" }
                    ?? "offline payment",
                recordedBy: access.userID, at: at)
            standing.status = standing.due(at: at, graceDays: policy.graceDays)
        case .changeTier(let tierID):
            guard tierID != standing.tierID else { throw ChamberError(.standingConflict, "the membership is on that tier already") }
            guard standing.status != .cancelled else { throw ChamberError(.standingConflict, "the membership is cancelled") }
            let old = try await requireTier(standing.tierID, in: scope)
            guard let new = try await scope.tiers.find(id: tierID), new.active else {
                throw ChamberError(.tierNotFound, "no tier \(tierID) on offer in this chamber", field: "tier_id")
            }
            // Counted as the standing is written, the business's seats held: a seat given meanwhile cannot slip past.
            seats = SeatLimit(tierName: new.name, seats: new.seats, at: at)
            standing.tierID = tierID
            if let end = standing.paidThrough, at < end {
                let owed = DuesCalendar.proration(old: old, new: new, paidThrough: end, at: at)
                proration = owed
                entry = DuesLedgerEntry(
                    userID: userID, kind: .proration, amountCents: owed.netCents, currency: chamber.settings.currency, periodStart: at,
                    periodEnd: end, note: "\(old.name) → \(new.name): \(owed.daysLeft) of \(owed.daysInPeriod) days", recordedBy: access.userID,
                    at: at)
            }
        }
        if standing.status != before.status { standing.statusChangedAt = at }
        let told = StandingNotice.notices(chamber, member: member.with(standing), from: before.status, reason: reason, at: at)
        guard try await scope.standings.update(userID: userID, standing, entry: entry, seats: seats, notices: told) else {
            throw ChamberError(.standingConflict, "the membership changed meanwhile; load it again")
        }
        standing.revision += 1
        member = member.with(standing)
        try await scope.auditLog.append(
            AuditEntry(
                chamberID: chamber.id, actorID: access.userID, action: "membership.\(action.verb)", target: "user:\(userID)",
                detail: "\(before.status.rawValue) → \(standing.status.rawValue)" + (entry.map { "; \($0.kind.rawValue) \($0.amountCents)" } ?? ""),
                reason: reason, at: at))
        await changed(chamber, member: member, from: before.status, told: told)
        if let billing, case .changeTier = action {
            await reprice(userID, from: before.tierID, to: standing.tierID, entry: entry, proration: proration, in: scope, billing: billing)
        }
        return (member, proration)
    }

    /// Applies `action` to each of `userIDs` (at most 500) on its own: one refused (a member without a standing, a
    /// status that does not allow it) does not stop the others. The answers follow the order of `userIDs`, each with
    /// its proration after a tier change, as ``act(_:userID:_:)`` answers.
    public func bulk(
        _ access: ChamberAccess, userIDs: [UserID], _ action: StandingAction
    ) async throws -> [Result<(member: Member, proration: Proration?), ChamberError>] {
        try access.require(.update, .standing)
        guard (1...500).contains(userIDs.count) else { throw ChamberError(.validationFailed, "1 to 500 user ids", field: "user_ids") }
        guard Set(userIDs).count == userIDs.count else { throw ChamberError(.validationFailed, "a user id is named twice", field: "user_ids") }
        // What is wrong with the action itself is one answer, not one per member.
        switch action {
        case .suspend(let reason), .cancel(let reason):
            guard try Validate.optionalText(reason, field: "reason", maxLength: 2000) != nil else {
                throw ChamberError(.validationFailed, "reason is required", field: "reason")
            }
        case .recordPayment(let note): _ = try Validate.optionalText(note, field: "note", maxLength: 500)
        case .changeTier(let tierID):
            guard try await store.scoped(to: access.chamberID).tiers.find(id: tierID)?.active == true else {
                throw ChamberError(.tierNotFound, "no tier \(tierID) on offer in this chamber", field: "tier_id")
            }
        case .reinstate: break
        }
        var results: [Result<(member: Member, proration: Proration?), ChamberError>] = []
        for userID in userIDs {
            do {
                results.append(.success(try await act(access, userID: userID, action)))
            } catch let error as ChamberError {
                results.append(.failure(error))
            } catch {
                results.append(.failure(ChamberError(.internalError, "this member's change failed: \(error)")))
            }
        }
        return results
    }

    // MARK: The standing job

    /// Moves every standing whose dates call for another status, in every chamber; returns how many moved. Safe to
    /// run on several nodes at once and as often as wanted: a standing moves once, by the node whose write lands.
    @discardableResult
    public func sweep() async throws -> Int {
        try await eachChamber(in: store) { try await sweep($0) }
    }

    /// The job for one chamber; returns how many standings moved.
    @discardableResult
    public func sweep(chamberID: ChamberID) async throws -> Int {
        guard let chamber = try await store.chambers.find(id: chamberID) else { return 0 }
        return try await sweep(chamber)
    }

    private func sweep(_ chamber: Chamber) async throws -> Int {
        let scope = store.scoped(to: chamber.id)
        let at = now()
        let policy = chamber.settings.membership
        var changes: [(member: Member, from: MembershipStatus)] = []
        for var member in try await scope.standings.moving() {
            guard var standing = member.membership.standing else { continue }
            let before = standing.status
            let due = standing.due(at: at, graceDays: policy.graceDays)
            guard due != before else { continue }
            standing.status = due
            standing.statusChangedAt = at
            // Another node moved it first: that node tells the member.
            let told = StandingNotice.notices(chamber, member: member.with(standing), from: before, reason: nil, at: at)
            guard try await scope.standings.update(userID: member.user.id, standing, entry: nil, seats: nil, notices: told) else { continue }
            standing.revision += 1
            member = member.with(standing)
            try await scope.auditLog.append(
                AuditEntry(
                    chamberID: chamber.id, actorID: nil, action: "membership.status_changed", target: "user:\(member.user.id)",
                    detail: "\(before.rawValue) → \(due.rawValue)", at: at))
            await changed(chamber, member: member, from: before, told: told)
            changes.append((member, before))
        }
        if !changes.isEmpty { await tellStaff(chamber, changes) }
        return changes.count
    }

    // MARK: Telling

    private func changed(_ chamber: Chamber, member: Member, from before: MembershipStatus, told: [Notice]) async {
        await StandingNotice(store: store, mailer: mailer, observer: observer, notices: notices, now: now).changed(
            chamber, member: member, from: before, told: told)
    }

    /// One mail per sweep to the chamber's admins and staff, listing who moved.
    private func tellStaff(_ chamber: Chamber, _ changes: [(member: Member, from: MembershipStatus)]) async {
        let lines = changes.map { "- \($0.member.user.displayName): \($0.from.rawValue) → \($0.member.membership.standing?.status.rawValue ?? "?")" }
        do {
            let scope = store.scoped(to: chamber.id)
            for userID in try await scope.members.userIDs(withRoles: [.admin, .staff]).sorted() {
                guard let user = try await store.users.find(id: userID) else { continue }
                try await mailer.send(
                    Mail(
                        kind: .membership, to: user.email, subject: "\(chamber.name): \(changes.count) membership status change(s)",
                        body: "Today's membership changes:\n\n" + lines.joined(separator: "\n")))
            }
        } catch {
            try? await store.scoped(to: chamber.id).auditLog.append(
                AuditEntry(chamberID: chamber.id, actorID: nil, action: "membership.mail_failed", target: nil, detail: "\(error)", at: now()))
        }
    }

    /// Bills a tier change: the next dues invoiced at the old price are voided (the job writes them at the new), and
    /// the net of the paid days left is invoiced. A failure is audited: the change stands, its proration is in the
    /// dues ledger.
    private func reprice(
        _ userID: UserID, from old: TierID, to new: TierID, entry: DuesLedgerEntry?, proration: Proration?, in scope: any ChamberScopedStore,
        billing: BillingService
    ) async {
        do {
            try await billing.voidUnpaidDues(of: userID, in: scope.chamberID)
            guard let entry, let proration else { return }
            _ = try await billing.invoiceTierChange(
                entry, proration: proration, from: try await requireTier(old, in: scope), to: try await requireTier(new, in: scope))
        } catch {
            try? await scope.auditLog.append(
                AuditEntry(
                    chamberID: scope.chamberID, actorID: nil, action: "membership.tier_change_not_billed", target: "user:\(userID)",
                    detail: "\(entry?.id ?? "no proration"): \(error)", at: now()))
        }
    }

    private func requireTier(_ id: TierID, in scope: any ChamberScopedStore) async throws -> MembershipTier {
        guard let tier = try await scope.tiers.find(id: id) else { throw ChamberError(.tierNotFound, "no tier \(id) in this chamber") }
        return tier
    }
}

extension StandingAction {
    /// The audit log's verb.
    var verb: String {
        switch self {
        case .suspend: "suspended"
        case .cancel: "cancelled"
        case .reinstate: "reinstated"
        case .recordPayment: "payment_recorded"
        case .changeTier: "tier_changed"
        }
    }
}

extension Member {
    fileprivate func with(_ standing: MembershipStanding) -> Member {
        var membership = membership
        membership.standing = standing
        return Member(membership: membership, user: user)
    }
}
