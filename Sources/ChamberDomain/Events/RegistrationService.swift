import Foundation

/// Registering for events: a member's own registration (with guests, by idempotency key, onto the waitlist when
/// full), taking an offered seat, cancelling; staff's door list and recorded payments.
public final class RegistrationService: Sendable {
    private let store: any Store
    private let events: EventService
    private let signer: any TextSigner
    private let now: @Sendable () -> Date

    public init(store: any Store, events: EventService, signer: any TextSigner, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.events = events
        self.signer = signer
        self.now = now
    }

    /// What a registrant asks for.
    public struct Request: Sendable {
        public var ticketTypeID: TicketTypeID
        public var guests: [String]
        /// Join the waitlist rather than be refused when no seat is left.
        public var waitlist: Bool
        /// The client's key: the same key answers the same registration however often it is sent.
        public var idempotencyKey: String?
        /// A discount code of the event, as typed (any case).
        public var discountCode: String?

        public init(
            ticketTypeID: TicketTypeID, guests: [String] = [], waitlist: Bool = false, idempotencyKey: String? = nil, discountCode: String? = nil
        ) {
            self.ticketTypeID = ticketTypeID
            self.guests = guests
            self.waitlist = waitlist
            self.idempotencyKey = idempotencyKey
            self.discountCode = discountCode
        }
    }

    /// Registers the caller. Free seats are confirmed at once; paid ones are held until the event's payment time
    /// runs out. Returns the registration and whether this call created it (false for a retry of the same key).
    public func register(_ access: ChamberAccess, eventID: EventID, _ request: Request) async throws -> (Registration, created: Bool) {
        try access.require(.view, .event)
        let key = try Validate.idempotencyKey(request.idempotencyKey)
        let scope = store.scoped(to: access.chamberID)
        // A retry is answered as the first request was, whatever changed since (a code retired, the sales closed).
        if let key, let earlier = try await scope.events.registration(key: key, by: access.userID, event: eventID) {
            // Billed now if the first attempt stopped before its invoice was written.
            guard earlier.invoiceID == nil, earlier.status == .pendingPayment, let event = try await scope.events.find(id: eventID) else {
                return (earlier, false)
            }
            return (try await events.bill(earlier, of: event), false)
        }
        let event = try await events.visibleEvent(access, id: eventID)
        guard let ticket = try await scope.events.ticketTypes(of: eventID).first(where: { $0.id == request.ticketTypeID }) else {
            throw ChamberError(.ticketTypeNotFound, "no ticket type \(request.ticketTypeID) for this event", field: "ticket_type_id")
        }
        let at = now()
        if let refusal = EventRules.refusal(ticket, of: event, for: try await EventService.buyer(access, store: store), at: at) { throw refusal }
        let guests = try EventRules.guests(request.guests)
        var amount = EventRules.amount(ticket, guests: guests.count)
        var code: DiscountCode?
        if let raw = request.discountCode {
            let typed = try DiscountCode.normalized(raw, field: "discount_code")
            guard let found = try await scope.events.discountCode(typed, event: eventID) else {
                throw ChamberError(.discountCodeInvalid, "no code \(typed) for this event", field: "discount_code")
            }
            if let refusal = found.refusal(for: ticket.id, at: at) { throw refusal }
            amount = found.applied(to: amount)
            code = found
        }
        let draft = Registration(
            id: .generate(), eventID: eventID, chamberID: access.chamberID, userID: access.userID, registeredBy: access.userID,
            name: access.identity.user.displayName,
            ticketTypeID: ticket.id, guests: guests, seats: try EventRules.seats(ticket, guests: guests.count), amountCents: amount,
            discountCodeID: code?.id, discountCode: code?.code, status: amount > 0 ? .pendingPayment : .confirmed, idempotencyKey: key, createdAt: at,
            paymentDueAt: amount > 0 ? at.addingTimeInterval(TimeInterval(event.paymentMinutes) * 60) : nil,
            checkInToken: CheckInCode.newToken())
        var (registration, created) = try await scope.events.register(draft, waitlist: request.waitlist, at: at)
        if created {
            // First, before anything that may throw: the registration has committed, and its event must go out.
            await scope.emit([.registered(registration, at: at)], target: "registration:\(registration.id)", at: at)
            try await audit(access, "event.registered", registration, detail: "\(registration.status.rawValue), \(registration.seats) seat(s)")
            try await events.enterRoom(registration, of: event)
            await events.attendanceChanged(of: event)
        }
        if created { registration = try await events.bill(registration, of: event) }
        return (registration, created)
    }

    /// The caller's open registration for the event.
    public func mine(_ access: ChamberAccess, eventID: EventID) async throws -> Registration {
        _ = try await events.visibleEvent(access, id: eventID)
        guard let registration = try await store.scoped(to: access.chamberID).events.registration(of: access.userID, event: eventID) else {
            throw ChamberError(.registrationNotFound, "you are not registered for this event")
        }
        return registration
    }

    /// The caller's open registrations in the chamber, the newest first (at most 500): what a page shows beside
    /// the events, without asking event by event.
    public func allMine(_ access: ChamberAccess) async throws -> [Registration] {
        try await store.scoped(to: access.chamberID).events.openRegistrations(of: access.userID, limit: 500)
    }

    /// A registration its registrant or staff may read.
    public func get(_ access: ChamberAccess, id: RegistrationID) async throws -> Registration {
        try await readable(access, id: id)
    }

    /// The event's registrations (staff): the door list, the waitlist, searchable by name.
    public func list(
        _ access: ChamberAccess, eventID: EventID, status: RegistrationStatus?, name: String?, page: PageRequest
    ) async throws -> Page<Registration> {
        try access.require(.update, .event)
        _ = try await events.visibleEvent(access, id: eventID)
        let name = try name.map { raw throws(ChamberError) in try Validate.name(raw, field: "q", maxLength: 120) }
        return try await store.scoped(to: access.chamberID).events.registrations(of: eventID, status: status, name: name, page: page)
    }

    /// Takes the seat offered to the caller; a paid one is then held for payment.
    public func accept(_ access: ChamberAccess, id: RegistrationID) async throws -> Registration {
        var registration = try await readable(access, id: id)
        guard registration.userID == access.userID else { throw ChamberError(.forbidden, "only the registrant takes an offered seat") }
        guard registration.status == .offered, let expires = registration.offerExpiresAt else {
            throw ChamberError(.registrationStateConflict, "there is no seat on offer to this registration (it is \(registration.status.rawValue))")
        }
        let at = now()
        guard at < expires else { throw ChamberError(.registrationStateConflict, "the offer ran out at \(expires.iso8601Seconds)") }
        let event = try await events.visibleEvent(access, id: registration.eventID)
        try Self.requireOpen(event)
        registration.status = registration.amountCents > 0 ? .pendingPayment : .confirmed
        registration.offerExpiresAt = nil
        if registration.amountCents > 0 { registration.paymentDueAt = at.addingTimeInterval(TimeInterval(event.paymentMinutes) * 60) }
        let accepted = try await advance(access, registration, action: "event.offer_accepted")
        try await events.enterRoom(accepted, of: event)
        await events.attendanceChanged(of: event)
        return try await events.bill(accepted, of: event)
    }

    /// Moves a registration holding seats to another ticket type of the event: its registrant, as they could register
    /// for it, or staff. Seats and amount follow the new type (the guests stay); a free registration moved to a paid
    /// type awaits payment. A paid registration keeps its price: moving it to a type of another price waits for
    /// billing to settle the difference.
    public func changeTicketType(_ access: ChamberAccess, id: RegistrationID, to ticketTypeID: TicketTypeID) async throws -> Registration {
        var registration = try await readable(access, id: id)
        let previousAmount = registration.amountCents
        guard registration.status.holdsSeats, registration.status != .offered else {
            throw ChamberError(.registrationStateConflict, "only a confirmed registration or one awaiting payment changes ticket type")
        }
        let event = try await events.visibleEvent(access, id: registration.eventID)
        try Self.requireOpen(event)
        guard let ticket = try await store.scoped(to: access.chamberID).events.ticketTypes(of: event.id).first(where: { $0.id == ticketTypeID })
        else { throw ChamberError(.ticketTypeNotFound, "no ticket type \(ticketTypeID) for this event", field: "ticket_type_id") }
        guard ticket.id != registration.ticketTypeID else { return registration }
        let at = now()
        if !access.can(.update, .event),
            let refusal = EventRules.refusal(ticket, of: event, for: try await EventService.buyer(access, store: store), at: at)
        {
            throw refusal
        }
        // A code applies to the ticket types it names: the new amount keeps it only where it still applies.
        var amount = EventRules.amount(ticket, guests: registration.guests.count)
        var keepsCode = false
        if let codeID = registration.discountCodeID,
            let code = try await store.scoped(to: access.chamberID).events.discountCodes(of: event.id).first(where: { $0.id == codeID }),
            code.ticketTypeIDs.isEmpty || code.ticketTypeIDs.contains(ticket.id)
        {
            amount = code.applied(to: amount)
            keepsCode = true
        }
        if registration.paidAt != nil, amount != registration.amountCents {
            throw ChamberError(
                .registrationStateConflict, "a paid registration moves only to a ticket of the same price; cancel it and register again")
        }
        if !keepsCode {
            registration.discountCodeID = nil
            registration.discountCode = nil
        }
        registration.seats = try EventRules.seats(ticket, guests: registration.guests.count)
        registration.ticketTypeID = ticket.id
        registration.amountCents = amount
        if registration.paidAt == nil {
            registration.status = amount > 0 ? .pendingPayment : .confirmed
            registration.paymentDueAt =
                amount > 0 ? (registration.paymentDueAt ?? at.addingTimeInterval(TimeInterval(event.paymentMinutes) * 60)) : nil
        }
        guard let (moved, offers) = try await store.scoped(to: access.chamberID).events.changeTicket(registration, at: at) else {
            throw ChamberError(.registrationStateConflict, "the registration changed while it was being moved; read it again")
        }
        var changed = moved
        try await audit(access, "event.ticket_type_changed", changed, detail: "to \(ticket.name), \(changed.seats) seat(s)")
        try await events.mailOffers(offers, of: event)
        await events.attendanceChanged(of: event)
        // An unpaid registration's new price needs a new invoice: the old one is voided.
        if changed.paidAt == nil, changed.amountCents != previousAmount, try await events.billing?.voidUnpaid(changed) ?? false {
            changed.invoiceID = nil
            changed = try await events.bill(changed, of: event)
        }
        return changed
    }

    /// Records a payment taken outside the server (cash, cheque, a terminal) and confirms the registration (staff).
    /// A member's registration is paid through its invoice (a ledger entry of `method`), once however often asked.
    public func recordPayment(
        _ access: ChamberAccess, id: RegistrationID, method: OfflinePaymentMethod = .cash, reference: String?
    ) async throws -> Registration {
        try access.require(.update, .event)
        var registration = try await readable(access, id: id)
        guard registration.status == .pendingPayment else {
            throw ChamberError(
                .registrationStateConflict, "only a registration awaiting payment is paid; this one is \(registration.status.rawValue)")
        }
        guard let event = try await store.scoped(to: access.chamberID).events.find(id: registration.eventID) else {
            throw ChamberError(.eventNotFound, "no event \(registration.eventID) in this chamber")
        }
        try Self.requireOpen(event)
        let reference = try Validate.optionalText(reference, field: "reference", maxLength: 200)
        if let billing = events.billing, let invoice = try await events.bill(registration, of: event).invoiceID {
            let open = try await billing.get(access, id: invoice).invoice
            if open.status == .open {
                _ = try await billing.apply(
                    access, id: invoice, .pay(amountMinor: open.amountDueMinor, method: method, reference: reference),
                    idempotencyKey: "registration-payment:\(registration.id):\(open.revision)")
            }
            let paid = try await readable(access, id: id)
            guard paid.status == .confirmed else {
                throw ChamberError(
                    .registrationStateConflict, "the registration is \(paid.status.rawValue) and its invoice \(open.status.rawValue)")
            }
            return paid
        }
        guard registration.confirmPaid(at: now(), reference: reference) else {
            throw ChamberError(.registrationStateConflict, "the registration is \(registration.status.rawValue)")
        }
        let paid = try await advance(access, registration, action: "event.payment_recorded")
        await events.attendanceChanged(of: event)
        return paid
    }

    /// Cancels a registration: its registrant before the event's cut-off, staff at any time. Freed seats are offered
    /// down the waitlist at once.
    public func cancel(_ access: ChamberAccess, id: RegistrationID) async throws -> Registration {
        var registration = try await readable(access, id: id)
        let staff = access.can(.update, .event)
        guard registration.status.isOpen else {
            throw ChamberError(.registrationStateConflict, "the registration is \(registration.status.rawValue) already")
        }
        guard let event = try await store.scoped(to: access.chamberID).events.find(id: registration.eventID) else {
            throw ChamberError(.eventNotFound, "no event \(registration.eventID) in this chamber")
        }
        // Leaving the waitlist, or declining a seat offered from it, is always allowed.
        if !staff, registration.status == .confirmed || registration.status == .pendingPayment, !EventRules.cancellationOpen(event, at: now()) {
            throw ChamberError(
                .cancellationClosed,
                "registrations for this event could be cancelled until \(event.cancellationCutoffHours ?? 0) hour(s) before it starts")
        }
        registration.status = .cancelled
        registration.cancelledAt = now()
        guard let (ended, offers) = try await store.scoped(to: access.chamberID).events.end(registration, at: now()) else {
            throw ChamberError(.registrationStateConflict, "the registration changed while it was being cancelled; read it again")
        }
        try await audit(access, "event.registration_cancelled", ended, detail: "\(ended.seats) seat(s) freed")
        await events.settle(ended, reason: "registration cancelled")
        try await events.leaveRoom(ended, of: event)
        try await events.mailOffers(offers, of: event)
        await events.attendanceChanged(of: event)
        return ended
    }

    /// The code printed on the registration's ticket.
    public func checkInCode(_ registration: Registration) -> String {
        CheckInCode.code(token: registration.checkInToken, event: registration.eventID, chamber: registration.chamberID, signer: signer)
    }

    // MARK: - Private

    private func readable(_ access: ChamberAccess, id: RegistrationID) async throws -> Registration {
        guard let registration = try await store.scoped(to: access.chamberID).events.registration(id: id),
            registration.userID == access.userID || access.can(.update, .event)
        else { throw ChamberError(.registrationNotFound, "no registration \(id) of yours in this chamber") }
        return registration
    }

    private func advance(_ access: ChamberAccess, _ registration: Registration, action: String) async throws -> Registration {
        guard try await store.scoped(to: access.chamberID).events.advance(registration) else {
            throw ChamberError(.registrationStateConflict, "the registration changed while it was being written; read it again")
        }
        var written = registration
        written.revision += 1
        try await audit(access, action, written, detail: written.status.rawValue)
        return written
    }

    private func audit(_ access: ChamberAccess, _ action: String, _ registration: Registration, detail: String) async throws {
        try await store.scoped(to: access.chamberID).auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: action, target: "registration:\(registration.id)",
                detail: "event \(registration.eventID): \(detail)", at: now()))
    }

    /// Throws `event_not_open` unless the event is published: a cancelled or completed event's registrations stay as
    /// they are.
    static func requireOpen(_ event: Event) throws(ChamberError) {
        guard event.status == .published else { throw ChamberError(.eventNotOpen, "the event is \(event.status.rawValue)") }
    }
}
