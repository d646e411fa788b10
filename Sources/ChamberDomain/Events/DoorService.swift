import Foundation

/// The event's door, run by staff: checking registrants in by the code on their ticket or by name, registering
/// walk-ins, and the counts of who came.
public final class DoorService: Sendable {
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

    /// Who is being checked in: the code from their ticket, or their registration (found by name on the door list).
    public enum Arrival: Sendable {
        case code(String)
        case registration(RegistrationID)
    }

    /// Checks a confirmed registration in, once: a second time is `already_checked_in` with the time of the first.
    public func checkIn(_ access: ChamberAccess, eventID: EventID, _ arrival: Arrival) async throws -> Registration {
        try access.require(.update, .event)
        let event = try await events.visibleEvent(access, id: eventID)
        try RegistrationService.requireOpen(event)
        let scope = store.scoped(to: access.chamberID)
        var found: Registration?
        switch arrival {
        case .code(let code):
            guard let token = CheckInCode.token(of: code, event: event.id, chamber: event.chamberID, signer: signer) else {
                throw ChamberError(.checkInCodeInvalid, "this code is not a ticket for this event", field: "code")
            }
            found = try await scope.events.registration(checkInToken: token, event: eventID)
        case .registration(let id):
            found = try await scope.events.registration(id: id).flatMap { $0.eventID == eventID ? $0 : nil }
        }
        guard var registration = found else { throw ChamberError(.registrationNotFound, "no such registration for this event") }
        if let first = registration.checkedInAt { throw Self.twice(first) }
        guard registration.status == .confirmed else {
            throw ChamberError(
                .registrationStateConflict,
                registration.status == .pendingPayment ? "the registration is not paid yet" : "the registration is \(registration.status.rawValue)")
        }
        registration.checkedInAt = now()
        registration.checkedInBy = access.userID
        guard try await scope.events.advance(registration) else {
            // Checked in at another door a moment ago, most likely.
            if let first = try await scope.events.registration(id: registration.id)?.checkedInAt { throw Self.twice(first) }
            throw ChamberError(.registrationStateConflict, "the registration changed while it was being checked in; try again")
        }
        registration.revision += 1
        try await audit(access, "event.checked_in", registration)
        await events.attendanceChanged(of: event)
        return registration
    }

    /// Someone who came without registering: registered at the door (taking seats like anyone, ahead of the
    /// waitlist, which has no one left to wait for at the door), paid there, and checked in.
    public func walkIn(
        _ access: ChamberAccess, eventID: EventID, name: String, ticketTypeID: TicketTypeID?, guests: [String], idempotencyKey: String?
    ) async throws -> (Registration, created: Bool) {
        try access.require(.update, .event)
        let event = try await events.visibleEvent(access, id: eventID)
        guard event.status == .published else { throw ChamberError(.eventNotOpen, "the event is \(event.status.rawValue)") }
        let scope = store.scoped(to: access.chamberID)
        let tickets = try await scope.events.ticketTypes(of: eventID)
        let ticket: TicketType
        if let ticketTypeID {
            guard let chosen = tickets.first(where: { $0.id == ticketTypeID }) else {
                throw ChamberError(.ticketTypeNotFound, "no ticket type \(ticketTypeID) for this event", field: "ticket_type_id")
            }
            ticket = chosen
        } else {
            guard let first = tickets.first(where: \.active) else { throw ChamberError(.ticketNotOnSale, "the event has no ticket type on sale") }
            ticket = first
        }
        let name = try Validate.name(name, field: "name", maxLength: 120)
        let guests = try EventRules.guests(guests)
        let at = now()
        let draft = Registration(
            id: .generate(), eventID: eventID, chamberID: access.chamberID, userID: nil, registeredBy: access.userID, name: name,
            ticketTypeID: ticket.id, guests: guests, seats: try EventRules.seats(ticket, guests: guests.count),
            amountCents: EventRules.amount(ticket, guests: guests.count), status: .confirmed,
            idempotencyKey: try Validate.idempotencyKey(idempotencyKey), createdAt: at, paidAt: at, paymentReference: "at the door",
            checkInToken: CheckInCode.newToken(), checkedInAt: at, checkedInBy: access.userID, walkIn: true)
        let (registration, created) = try await scope.events.register(draft, waitlist: false, at: at)
        if created {
            // First, before anything that may throw: the registration has committed, and its event must go out.
            await scope.emit([.registered(registration, at: at)], target: "registration:\(registration.id)", at: at)
            try await audit(access, "event.walk_in", registration)
            await events.attendanceChanged(of: event)
        }
        return (registration, created)
    }

    /// The door's figures: seats by status, who came, and (once the event ended) who did not.
    public func attendance(_ access: ChamberAccess, eventID: EventID) async throws -> (event: Event, attendance: EventAttendance) {
        try access.require(.update, .event)
        let event = try await events.visibleEvent(access, id: eventID)
        return (event, try await store.scoped(to: access.chamberID).events.attendance(of: eventID))
    }

    private static func twice(_ first: Date) -> ChamberError {
        ChamberError(.alreadyCheckedIn, "checked in already at \(first.iso8601Seconds)")
    }

    private func audit(_ access: ChamberAccess, _ action: String, _ registration: Registration) async throws {
        try await store.scoped(to: access.chamberID).auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: action, target: "registration:\(registration.id)",
                detail: "event \(registration.eventID): \(registration.name), \(registration.seats) seat(s)", at: now()))
    }
}
