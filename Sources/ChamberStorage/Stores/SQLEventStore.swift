import ChamberDomain
import Foundation

/// Events, ticket types and registrations. Every write that moves seats holds the event's row for its transaction
/// (`FOR UPDATE` on PostgreSQL; SQLite's writer is one at a time), reads the counts, lets ``EventSeats`` decide and
/// writes the outcome, so counts stay exact across nodes.
struct SQLEventStore: EventStore {
    let sql: ChamberScopedSQL

    static let eventColumns = """
        id, chamber_id, title, description, starts_at, ends_at, time_zone, format, venue, virtual_url, visibility, tier_ids, capacity, \
        seats_taken, offer_minutes, payment_minutes, cancellation_cutoff_hours, status, created_by, created_at, revision, room_id
        """
    static let ticketColumns = """
        id, event_id, name, price_cents, audience, tier_ids, seats_per_ticket, capacity, seats_taken, sales_start, sales_end, active
        """
    static let registrationColumnNames = [
        "id", "chamber_id", "event_id", "user_id", "registered_by", "name", "ticket_type_id", "guests", "seats", "amount_cents", "status",
        "idempotency_key", "created_at", "waitlisted_at", "offer_expires_at", "payment_due_at", "paid_at", "payment_reference", "cancelled_at",
        "check_in_token", "checked_in_at", "checked_in_by", "walk_in", "revision", "discount_code_id", "discount_code", "invoice_id",
    ]
    static let registrationColumns = registrationColumnNames.joined(separator: ", ")
    static let codeColumns = "id, event_id, code, percent_off, amount_off_cents, ticket_type_ids, max_uses, uses, valid_until, active"

    static func event(_ row: SQLRow) throws -> Event {
        Event(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), title: try row.string("title"),
            description: try row.optionalString("description"),
            startsAt: try row.date("starts_at"), endsAt: try row.date("ends_at"), timeZone: try row.string("time_zone"),
            format: try row.value("format", as: EventFormat.self), venue: try row.optionalString("venue"),
            virtualURL: try row.optionalString("virtual_url"), visibility: try row.value("visibility", as: EventVisibility.self),
            tierIDs: try row.json("tier_ids", as: [TierID].self), capacity: try row.optionalInt("capacity").map(Int.init),
            seatsTaken: Int(try row.int("seats_taken")), offerMinutes: Int(try row.int("offer_minutes")),
            paymentMinutes: Int(try row.int("payment_minutes")),
            cancellationCutoffHours: try row.optionalInt("cancellation_cutoff_hours").map(Int.init),
            status: try row.value("status", as: EventStatus.self), createdBy: try row.id("created_by"), createdAt: try row.date("created_at"),
            revision: Int(try row.int("revision")), roomID: try row.optionalID("room_id"))
    }

    static func ticket(_ row: SQLRow) throws -> TicketType {
        TicketType(
            id: try row.id("id"), eventID: try row.id("event_id"), name: try row.string("name"), priceCents: Int(try row.int("price_cents")),
            audience: try row.value("audience", as: TicketAudience.self), tierIDs: try row.json("tier_ids", as: [TierID].self),
            seatsPerTicket: Int(try row.int("seats_per_ticket")), capacity: try row.optionalInt("capacity").map(Int.init),
            seatsTaken: Int(try row.int("seats_taken")), salesStart: try row.optionalDate("sales_start"), salesEnd: try row.optionalDate("sales_end"),
            active: try row.bool("active"))
    }

    static func registration(_ row: SQLRow) throws -> Registration {
        Registration(
            id: try row.id("id"), eventID: try row.id("event_id"), chamberID: try row.id("chamber_id"), userID: try row.optionalID("user_id"),
            registeredBy: try row.id("registered_by"), name: try row.string("name"), ticketTypeID: try row.id("ticket_type_id"),
            guests: try row.json("guests", as: [String].self), seats: Int(try row.int("seats")), amountCents: Int(try row.int("amount_cents")),
            discountCodeID: try row.optionalID("discount_code_id"), discountCode: try row.optionalString("discount_code"),
            status: try row.value("status", as: RegistrationStatus.self), idempotencyKey: try row.optionalString("idempotency_key"),
            createdAt: try row.date("created_at"), waitlistedAt: try row.optionalDate("waitlisted_at"),
            offerExpiresAt: try row.optionalDate("offer_expires_at"), paymentDueAt: try row.optionalDate("payment_due_at"),
            paidAt: try row.optionalDate("paid_at"), paymentReference: try row.optionalString("payment_reference"),
            cancelledAt: try row.optionalDate("cancelled_at"), checkInToken: try row.string("check_in_token"),
            checkedInAt: try row.optionalDate("checked_in_at"), checkedInBy: try row.optionalID("checked_in_by"), walkIn: try row.bool("walk_in"),
            invoiceID: try row.optionalID("invoice_id"), revision: Int(try row.int("revision")))
    }

    // MARK: - Events and ticket types

    func insert(_ event: Event, ticketTypes: [TicketType]) async throws {
        precondition(event.chamberID == sql.chamberID, "event of another chamber")
        try await sql.transaction { tx in
            try await tx.query(
                """
                INSERT INTO events (id, chamber_id, title, description, starts_at, ends_at, time_zone, format, venue, virtual_url, visibility,
                    tier_ids, capacity, seats_taken, offer_minutes, payment_minutes, cancellation_cutoff_hours, status, created_by, created_at, room_id)
                VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.id(event.id)] + (try Self.eventBinds(event)) + [.id(event.createdBy), .date(event.createdAt), .id(event.roomID)])
            for ticket in ticketTypes { try await Self.insert(ticket, tx) }
        }
    }

    private static func eventBinds(_ event: Event) throws -> [SQLValue] {
        [
            .text(event.title), .text(event.description), .date(event.startsAt), .date(event.endsAt), .text(event.timeZone),
            .text(event.format.rawValue), .text(event.venue), .text(event.virtualURL), .text(event.visibility.rawValue), try .json(event.tierIDs),
            event.capacity.map { .int(Int64($0)) } ?? .null, .int(Int64(event.offerMinutes)), .int(Int64(event.paymentMinutes)),
            event.cancellationCutoffHours.map { .int(Int64($0)) } ?? .null, .text(event.status.rawValue),
        ]
    }

    func find(id: EventID) async throws -> Event? {
        try await sql.query("SELECT \(Self.eventColumns) FROM events WHERE chamber_id = :chamber AND id = ?", [.id(id)]).first.map(Self.event)
    }

    func ticketTypes(of event: EventID) async throws -> [TicketType] {
        try await Self.ticketTypes(of: event, sql)
    }

    private static func ticketTypes(of event: EventID, _ sql: ChamberScopedSQL) async throws -> [TicketType] {
        try await sql.query(
            "SELECT \(ticketColumns) FROM event_ticket_types WHERE chamber_id = :chamber AND event_id = ? ORDER BY position, id", [.id(event)]
        ).map(Self.ticket)
    }

    func list(statuses: [EventStatus], endingAfter: Date?, page: PageRequest) async throws -> Page<Event> {
        guard !statuses.isEmpty else { return Page(fetched: [], request: page) }
        var filters = ["chamber_id = :chamber", "status IN (\(statuses.map { _ in "?" }.joined(separator: ", ")))"]
        var binds: [SQLValue] = statuses.map { .text($0.rawValue) }
        if let endingAfter {
            filters.append("ends_at > ?")
            binds.append(.date(endingAfter))
        }
        let rows = try await sql.query(
            "SELECT \(Self.eventColumns) FROM events WHERE \(filters.joined(separator: " AND ")) ORDER BY starts_at, id LIMIT ? OFFSET ?",
            binds + page.sqlBinds)
        return Page(fetched: try rows.map(Self.event), request: page)
    }

    func update(_ event: Event) async throws -> Bool {
        !(try await sql.query(
            """
            UPDATE events SET title = ?, description = ?, starts_at = ?, ends_at = ?, time_zone = ?, format = ?, venue = ?, virtual_url = ?,
                visibility = ?, tier_ids = ?, capacity = ?, offer_minutes = ?, payment_minutes = ?, cancellation_cutoff_hours = ?, status = ?,
                revision = revision + 1
            WHERE chamber_id = :chamber AND id = ? AND revision = ? AND (CAST(? AS BIGINT) IS NULL OR seats_taken <= ?) RETURNING id
            """,
            (try Self.eventBinds(event)) + [
                .id(event.id), .int(Int64(event.revision)), event.capacity.map { .int(Int64($0)) } ?? .null,
                event.capacity.map { .int(Int64($0)) } ?? .null,
            ]
        ).isEmpty)
    }

    func markReminded(_ event: EventID, at: Date) async throws -> Bool {
        !(try await sql.query(
            "UPDATE events SET reminded_at = ? WHERE chamber_id = :chamber AND id = ? AND reminded_at IS NULL RETURNING id", [.date(at), .id(event)]
        ).isEmpty)
    }

    func insert(_ ticket: TicketType) async throws {
        try await sql.transaction { tx in try await Self.insert(ticket, tx) }
    }

    private static func insert(_ ticket: TicketType, _ tx: ChamberScopedSQL) async throws {
        do {
            try await tx.query(
                """
                INSERT INTO event_ticket_types (id, chamber_id, event_id, position, name, price_cents, audience, tier_ids, seats_per_ticket,
                    capacity, seats_taken, sales_start, sales_end, active)
                VALUES (?, :chamber, ?, (SELECT COUNT(*) FROM event_ticket_types WHERE event_id = ?), ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
                """,
                [
                    .id(ticket.id), .id(ticket.eventID), .id(ticket.eventID), .text(ticket.name), .int(Int64(ticket.priceCents)),
                    .text(ticket.audience.rawValue), try .json(ticket.tierIDs), .int(Int64(ticket.seatsPerTicket)),
                    ticket.capacity.map { .int(Int64($0)) } ?? .null, .date(ticket.salesStart), .date(ticket.salesEnd), .bool(ticket.active),
                ])
        } catch StorageError.uniqueViolation {
            throw ChamberError(.conflict, "this event has a ticket type named '\(ticket.name)' already", field: "name")
        }
    }

    func update(_ ticket: TicketType) async throws -> Bool {
        do {
            // Under the event's lock, like every write that counts against a capacity: a registration that read the
            // old capacity cannot then take a seat past the new one.
            return try await sql.transaction { tx in
                _ = try await Self.lockedEvent(ticket.eventID, tx)
                return
                    !(try await tx.query(
                        """
                        UPDATE event_ticket_types SET name = ?, price_cents = ?, audience = ?, tier_ids = ?, seats_per_ticket = ?, capacity = ?,
                            sales_start = ?, sales_end = ?, active = ?
                        WHERE chamber_id = :chamber AND id = ? AND (CAST(? AS BIGINT) IS NULL OR seats_taken <= ?) RETURNING id
                        """,
                        [
                            .text(ticket.name), .int(Int64(ticket.priceCents)), .text(ticket.audience.rawValue), try .json(ticket.tierIDs),
                            .int(Int64(ticket.seatsPerTicket)), ticket.capacity.map { .int(Int64($0)) } ?? .null, .date(ticket.salesStart),
                            .date(ticket.salesEnd), .bool(ticket.active), .id(ticket.id), ticket.capacity.map { .int(Int64($0)) } ?? .null,
                            ticket.capacity.map { .int(Int64($0)) } ?? .null,
                        ]
                    ).isEmpty)
            }
        } catch StorageError.uniqueViolation {
            throw ChamberError(.conflict, "this event has a ticket type named '\(ticket.name)' already", field: "name")
        }
    }

    // MARK: - Discount codes

    static func discountCode(_ row: SQLRow) throws -> DiscountCode {
        let off: DiscountCode.Off
        if let percent = try row.optionalInt("percent_off") {
            off = .percent(Int(percent))
        } else {
            off = .amount(cents: Int(try row.int("amount_off_cents")))
        }
        return DiscountCode(
            id: try row.id("id"), eventID: try row.id("event_id"), code: try row.string("code"), off: off,
            ticketTypeIDs: try row.json("ticket_type_ids", as: [TicketTypeID].self), maxUses: try row.optionalInt("max_uses").map(Int.init),
            uses: Int(try row.int("uses")), validUntil: try row.optionalDate("valid_until"), active: try row.bool("active"))
    }

    func insert(_ code: DiscountCode) async throws {
        var percent: SQLValue = .null
        var amount: SQLValue = .null
        switch code.off {
        case .percent(let value): percent = .int(Int64(value))
        case .amount(let cents): amount = .int(Int64(cents))
        }
        do {
            try await sql.query(
                """
                INSERT INTO event_discount_codes (id, chamber_id, event_id, code, percent_off, amount_off_cents, ticket_type_ids, max_uses, uses,
                    valid_until, active)
                VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, 0, ?, ?)
                """,
                [
                    .id(code.id), .id(code.eventID), .text(code.code), percent, amount, try .json(code.ticketTypeIDs),
                    code.maxUses.map { .int(Int64($0)) } ?? .null, .date(code.validUntil), .bool(code.active),
                ])
        } catch StorageError.uniqueViolation {
            throw ChamberError(.conflict, "this event has a code \(code.code) already", field: "code")
        }
    }

    func discountCodes(of event: EventID) async throws -> [DiscountCode] {
        try await sql.query(
            "SELECT \(Self.codeColumns) FROM event_discount_codes WHERE chamber_id = :chamber AND event_id = ? ORDER BY code", [.id(event)]
        ).map(Self.discountCode)
    }

    func discountCode(_ code: String, event: EventID) async throws -> DiscountCode? {
        try await sql.query(
            "SELECT \(Self.codeColumns) FROM event_discount_codes WHERE chamber_id = :chamber AND event_id = ? AND code = ?",
            [.id(event), .text(code)]
        ).first.map(Self.discountCode)
    }

    func update(_ code: DiscountCode) async throws -> Bool {
        !(try await sql.query(
            """
            UPDATE event_discount_codes SET ticket_type_ids = ?, max_uses = ?, valid_until = ?, active = ?
            WHERE chamber_id = :chamber AND id = ? RETURNING id
            """,
            [try .json(code.ticketTypeIDs), code.maxUses.map { .int(Int64($0)) } ?? .null, .date(code.validUntil), .bool(code.active), .id(code.id)]
        ).isEmpty)
    }

    // MARK: - Registrations

    func register(_ draft: Registration, waitlist: Bool, at: Date) async throws -> (registration: Registration, created: Bool) {
        precondition(draft.chamberID == sql.chamberID, "registration of another chamber")
        return try await sql.transaction { tx in
            let event = try await Self.lockedEvent(draft.eventID, tx)
            if let key = draft.idempotencyKey,
                let earlier = try await tx.query(
                    "SELECT \(Self.registrationColumns) FROM event_registrations WHERE chamber_id = :chamber AND event_id = ? AND registered_by = ? AND idempotency_key = ?",
                    [.id(draft.eventID), .id(draft.registeredBy), .text(key)]
                ).first
            {
                return (try Self.registration(earlier), false)
            }
            guard event.status == .published else {
                throw ChamberError(.eventNotOpen, "the event is \(event.status.rawValue): it takes no registrations")
            }
            if let userID = draft.userID,
                !(try await tx.query(
                    "SELECT id FROM event_registrations WHERE chamber_id = :chamber AND event_id = ? AND user_id = ? AND status NOT IN ('cancelled', 'expired')",
                    [.id(draft.eventID), .id(userID)]
                ).isEmpty)
            {
                throw ChamberError(.alreadyRegistered, "you are registered for this event already; change or cancel that registration")
            }
            guard let ticket = try await Self.ticketTypes(of: draft.eventID, tx).first(where: { $0.id == draft.ticketTypeID }) else {
                throw ChamberError(.ticketTypeNotFound, "no ticket type \(draft.ticketTypeID) for this event", field: "ticket_type_id")
            }
            // At the door nobody is left to wait for: a walk-in takes what is free.
            var othersWaiting = false
            if !draft.walkIn { othersWaiting = try await Self.someoneWaits(for: draft.ticketTypeID, of: draft.eventID, tx) }
            var registration = draft
            if EventSeats.admits(draft.seats, event: event, ticket: ticket, othersWaiting: othersWaiting) {
                try await Self.take(draft.seats, event: draft.eventID, ticket: draft.ticketTypeID, tx)
            } else if waitlist {
                registration.status = .waitlisted
                registration.waitlistedAt = at
                registration.paymentDueAt = nil
            } else {
                throw ChamberError(
                    .eventFull,
                    othersWaiting
                        ? "others are waiting for '\(ticket.name)': join the waitlist" : "no seats left for '\(ticket.name)': join the waitlist")
            }
            if let code = draft.discountCodeID,
                try await tx.query(
                    "UPDATE event_discount_codes SET uses = uses + 1 WHERE chamber_id = :chamber AND id = ? AND (max_uses IS NULL OR uses < max_uses) RETURNING id",
                    [.id(code)]
                ).isEmpty
            {
                throw ChamberError(.discountCodeUsedUp, "every use of the code \(draft.discountCode ?? "") is taken", field: "discount_code")
            }
            try await Self.insert(registration, tx)
            return (registration, true)
        }
    }

    private static func insert(_ r: Registration, _ tx: ChamberScopedSQL) async throws {
        do {
            try await tx.query(
                """
                INSERT INTO event_registrations (\(registrationColumns))
                VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .id(r.id), .id(r.eventID), .id(r.userID), .id(r.registeredBy), .text(r.name), .id(r.ticketTypeID), try .json(r.guests),
                    .int(Int64(r.seats)), .int(Int64(r.amountCents)), .text(r.status.rawValue), .text(r.idempotencyKey), .date(r.createdAt),
                    .date(r.waitlistedAt), .date(r.offerExpiresAt), .date(r.paymentDueAt), .date(r.paidAt), .text(r.paymentReference),
                    .date(r.cancelledAt), .text(r.checkInToken), .date(r.checkedInAt), .id(r.checkedInBy), .bool(r.walkIn), .int(Int64(r.revision)),
                    .id(r.discountCodeID), .text(r.discountCode), .id(r.invoiceID),
                ])
        } catch StorageError.uniqueViolation {
            // Only a registration made by the same account in another transaction can collide here (the event's lock
            // orders everything else).
            throw ChamberError(.alreadyRegistered, "you are registered for this event already")
        }
    }

    /// Whether anyone is on the waitlist for the ticket type.
    private static func someoneWaits(for ticket: TicketTypeID, of event: EventID, _ tx: ChamberScopedSQL) async throws -> Bool {
        !(try await tx.query(
            "SELECT id FROM event_registrations WHERE chamber_id = :chamber AND event_id = ? AND ticket_type_id = ? AND status = 'waitlisted' LIMIT 1",
            [.id(event), .id(ticket)]
        ).isEmpty)
    }

    /// The event's row, held until the transaction ends.
    private static func lockedEvent(_ id: EventID, _ tx: ChamberScopedSQL) async throws -> Event {
        let lock = tx.executor.dialect == .postgres ? " FOR UPDATE" : ""
        guard let row = try await tx.query("SELECT \(eventColumns) FROM events WHERE chamber_id = :chamber AND id = ?\(lock)", [.id(id)]).first
        else { throw ChamberError(.eventNotFound, "no event \(id) in this chamber") }
        return try event(row)
    }

    /// Adds `seats` (negative to give back) to the event's and the ticket type's counts.
    private static func take(_ seats: Int, event: EventID, ticket: TicketTypeID, _ tx: ChamberScopedSQL) async throws {
        try await tx.query(
            "UPDATE events SET seats_taken = seats_taken + ? WHERE chamber_id = :chamber AND id = ?", [.int(Int64(seats)), .id(event)])
        try await tx.query(
            "UPDATE event_ticket_types SET seats_taken = seats_taken + ? WHERE chamber_id = :chamber AND id = ?", [.int(Int64(seats)), .id(ticket)])
    }

    func registration(id: RegistrationID) async throws -> Registration? {
        try await sql.query("SELECT \(Self.registrationColumns) FROM event_registrations WHERE chamber_id = :chamber AND id = ?", [.id(id)]).first
            .map(Self.registration)
    }

    func registration(of user: UserID, event: EventID) async throws -> Registration? {
        try await sql.query(
            """
            SELECT \(Self.registrationColumns) FROM event_registrations
            WHERE chamber_id = :chamber AND event_id = ? AND user_id = ? AND status NOT IN ('cancelled', 'expired')
            """, [.id(event), .id(user)]
        ).first.map(Self.registration)
    }

    func openRegistrations(of user: UserID, limit: Int) async throws -> [Registration] {
        try await sql.query(
            """
            SELECT \(Self.registrationColumns) FROM event_registrations
            WHERE chamber_id = :chamber AND user_id = ? AND status NOT IN ('cancelled', 'expired')
            ORDER BY created_at DESC, id LIMIT \(limit)
            """, [.id(user)]
        ).map(Self.registration)
    }

    func registration(key: String, by: UserID, event: EventID) async throws -> Registration? {
        try await sql.query(
            """
            SELECT \(Self.registrationColumns) FROM event_registrations
            WHERE chamber_id = :chamber AND event_id = ? AND registered_by = ? AND idempotency_key = ?
            """, [.id(event), .id(by), .text(key)]
        ).first.map(Self.registration)
    }

    func registration(checkInToken: String, event: EventID) async throws -> Registration? {
        try await sql.query(
            "SELECT \(Self.registrationColumns) FROM event_registrations WHERE chamber_id = :chamber AND event_id = ? AND check_in_token = ?",
            [.id(event), .text(checkInToken)]
        ).first.map(Self.registration)
    }

    func registrations(of event: EventID, status: RegistrationStatus?, name: String?, page: PageRequest) async throws -> Page<Registration> {
        var filters = ["chamber_id = :chamber", "event_id = ?"]
        var binds: [SQLValue] = [.id(event)]
        if let status {
            filters.append("status = ?")
            binds.append(.text(status.rawValue))
        }
        if let name {
            let escaped = name.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            filters.append("lower(name) LIKE ? ESCAPE '\\'")
            binds.append(.text("%\(escaped)%"))
        }
        let order = status == .waitlisted ? "waitlisted_at, id" : "created_at, id"
        let rows = try await sql.query(
            "SELECT \(Self.registrationColumns) FROM event_registrations WHERE \(filters.joined(separator: " AND ")) ORDER BY \(order) LIMIT ? OFFSET ?",
            binds + page.sqlBinds)
        return Page(fetched: try rows.map(Self.registration), request: page)
    }

    func advance(_ r: Registration) async throws -> Bool {
        !(try await sql.query(
            """
            UPDATE event_registrations SET status = ?, offer_expires_at = ?, payment_due_at = ?, paid_at = ?, payment_reference = ?,
                checked_in_at = ?, checked_in_by = ?, revision = revision + 1
            WHERE chamber_id = :chamber AND id = ? AND revision = ? RETURNING id
            """,
            [
                .text(r.status.rawValue), .date(r.offerExpiresAt), .date(r.paymentDueAt), .date(r.paidAt), .text(r.paymentReference),
                .date(r.checkedInAt), .id(r.checkedInBy), .id(r.id), .int(Int64(r.revision)),
            ]
        ).isEmpty)
    }

    func link(_ registration: RegistrationID, invoice: InvoiceID) async throws {
        try await sql.query(
            "UPDATE event_registrations SET invoice_id = ? WHERE chamber_id = :chamber AND id = ?", [.id(invoice), .id(registration)])
    }

    func end(_ registration: Registration, at: Date) async throws -> (ended: Registration, offers: [Registration])? {
        try await sql.transaction { tx in
            _ = try await Self.lockedEvent(registration.eventID, tx)
            guard
                let stored = try await tx.query(
                    "SELECT \(Self.registrationColumns) FROM event_registrations WHERE chamber_id = :chamber AND id = ? AND revision = ?",
                    [.id(registration.id), .int(Int64(registration.revision))]
                ).first.map(Self.registration), stored.status.isOpen
            else { return nil }
            // Guarded by the revision again: an advance (a payment, a check-in) takes no event lock, and one that
            // committed since the read above must not be overwritten.
            guard
                !(try await tx.query(
                    """
                    UPDATE event_registrations SET status = ?, cancelled_at = ?, offer_expires_at = NULL, revision = revision + 1
                    WHERE chamber_id = :chamber AND id = ? AND revision = ? RETURNING id
                    """,
                    [.text(registration.status.rawValue), .date(registration.cancelledAt), .id(registration.id), .int(Int64(stored.revision))]
                ).isEmpty)
            else { return nil }
            if stored.status.holdsSeats { try await Self.take(-stored.seats, event: stored.eventID, ticket: stored.ticketTypeID, tx) }
            if let code = stored.discountCodeID {
                try await tx.query("UPDATE event_discount_codes SET uses = uses - 1 WHERE chamber_id = :chamber AND id = ?", [.id(code)])
            }
            var ended = registration
            ended.offerExpiresAt = nil
            ended.revision = stored.revision + 1
            return (ended, try await Self.offerFreeSeats(stored.eventID, at: at, tx))
        }
    }

    func changeTicket(_ registration: Registration, at: Date) async throws -> (changed: Registration, offers: [Registration])? {
        try await sql.transaction { tx in
            var event = try await Self.lockedEvent(registration.eventID, tx)
            guard
                let stored = try await tx.query(
                    "SELECT \(Self.registrationColumns) FROM event_registrations WHERE chamber_id = :chamber AND id = ? AND revision = ?",
                    [.id(registration.id), .int(Int64(registration.revision))]
                ).first.map(Self.registration), stored.status.holdsSeats
            else { return nil }
            let tickets = try await Self.ticketTypes(of: event.id, tx)
            guard var ticket = tickets.first(where: { $0.id == registration.ticketTypeID }) else {
                throw ChamberError(.ticketTypeNotFound, "no ticket type \(registration.ticketTypeID) for this event", field: "ticket_type_id")
            }
            // Counted as if the old seats were given back first.
            event.seatsTaken -= stored.seats
            if ticket.id == stored.ticketTypeID { ticket.seatsTaken -= stored.seats }
            var othersWaiting = false
            if ticket.id != stored.ticketTypeID { othersWaiting = try await Self.someoneWaits(for: ticket.id, of: event.id, tx) }
            guard EventSeats.admits(registration.seats, event: event, ticket: ticket, othersWaiting: othersWaiting) else {
                throw ChamberError(.eventFull, "no seats left for '\(ticket.name)'")
            }
            guard
                !(try await tx.query(
                    """
                    UPDATE event_registrations SET ticket_type_id = ?, seats = ?, amount_cents = ?, status = ?, payment_due_at = ?,
                        discount_code_id = ?, discount_code = ?, revision = revision + 1
                    WHERE chamber_id = :chamber AND id = ? AND revision = ? RETURNING id
                    """,
                    [
                        .id(ticket.id), .int(Int64(registration.seats)), .int(Int64(registration.amountCents)),
                        .text(registration.status.rawValue), .date(registration.paymentDueAt), .id(registration.discountCodeID),
                        .text(registration.discountCode), .id(registration.id), .int(Int64(stored.revision)),
                    ]
                ).isEmpty)
            else { return nil }
            try await Self.take(-stored.seats, event: event.id, ticket: stored.ticketTypeID, tx)
            try await Self.take(registration.seats, event: event.id, ticket: ticket.id, tx)
            if let dropped = stored.discountCodeID, registration.discountCodeID == nil {
                try await tx.query("UPDATE event_discount_codes SET uses = uses - 1 WHERE chamber_id = :chamber AND id = ?", [.id(dropped)])
            }
            var changed = registration
            changed.revision = stored.revision + 1
            return (changed, try await Self.offerFreeSeats(event.id, at: at, tx))
        }
    }

    func offerFreeSeats(event: EventID, at: Date) async throws -> [Registration] {
        try await sql.transaction { tx in try await Self.offerFreeSeats(event, at: at, tx) }
    }

    /// Offers what is free, in the waitlist's order, to a published event's registrants whose seats fit.
    private static func offerFreeSeats(_ eventID: EventID, at: Date, _ tx: ChamberScopedSQL) async throws -> [Registration] {
        let event = try await lockedEvent(eventID, tx)
        guard event.status == .published, event.endsAt > at else { return [] }
        let waiting = try await tx.query(
            """
            SELECT \(registrationColumns) FROM event_registrations
            WHERE chamber_id = :chamber AND event_id = ? AND status = 'waitlisted' ORDER BY waitlisted_at, id LIMIT 500
            """, [.id(eventID)]
        ).map(Self.registration)
        guard !waiting.isEmpty else { return [] }
        let decided = EventSeats.offers(event: event, tickets: try await ticketTypes(of: eventID, tx), waiting: waiting)
        let expires = min(at.addingTimeInterval(TimeInterval(event.offerMinutes) * 60), event.endsAt)
        var offers: [Registration] = []
        for id in decided.offered {
            guard var registration = waiting.first(where: { $0.id == id }) else { continue }
            try await tx.query(
                "UPDATE event_registrations SET status = 'offered', offer_expires_at = ?, revision = revision + 1 WHERE chamber_id = :chamber AND id = ?",
                [.date(expires), .id(id)])
            try await take(registration.seats, event: eventID, ticket: registration.ticketTypeID, tx)
            registration.status = .offered
            registration.offerExpiresAt = expires
            registration.revision += 1
            offers.append(registration)
        }
        return offers
    }

    func roster(of event: EventID) async throws -> [(registration: Registration, email: String?)] {
        try await sql.query(
            """
            SELECT \(columnList(Self.registrationColumnNames, of: "r")), u.email AS registrant_email
            FROM event_registrations r LEFT JOIN users u ON u.id = r.user_id
            WHERE r.chamber_id = :chamber AND r.event_id = ? ORDER BY r.created_at, r.id
            """, [.id(event)]
        ).map { (try Self.registration($0), try $0.optionalString("registrant_email")) }
    }

    func overdue(event: EventID, at: Date) async throws -> [Registration] {
        try await sql.query(
            """
            SELECT \(Self.registrationColumns) FROM event_registrations
            WHERE chamber_id = :chamber AND event_id = ?
                AND ((status = 'offered' AND offer_expires_at <= ?) OR (status = 'pending_payment' AND payment_due_at <= ?))
            ORDER BY created_at, id LIMIT 500
            """, [.id(event), .date(at), .date(at)]
        ).map(Self.registration)
    }

    func attendance(of event: EventID) async throws -> EventAttendance {
        var attendance = EventAttendance()
        for row in try await sql.query(
            """
            SELECT status, COUNT(*) AS registrations, CAST(SUM(seats) AS BIGINT) AS seats,
                CAST(SUM(CASE WHEN checked_in_at IS NULL OR status <> 'confirmed' THEN 0 ELSE 1 END) AS BIGINT) AS checked_in,
                CAST(SUM(CASE WHEN checked_in_at IS NULL OR status <> 'confirmed' THEN 0 ELSE seats END) AS BIGINT) AS checked_in_seats,
                CAST(SUM(CASE WHEN walk_in THEN 1 ELSE 0 END) AS BIGINT) AS walk_ins
            FROM event_registrations WHERE chamber_id = :chamber AND event_id = ? GROUP BY status
            """, [.id(event)])
        {
            let status = try row.value("status", as: RegistrationStatus.self)
            attendance.registrations[status] = Int(try row.int("registrations"))
            attendance.seats[status] = Int(try row.int("seats"))
            attendance.checkedIn += Int(try row.int("checked_in"))
            attendance.checkedInSeats += Int(try row.int("checked_in_seats"))
            attendance.walkIns += Int(try row.int("walk_ins"))
        }
        return attendance
    }
}

/// Events with work for the upkeep job, across chambers.
struct SQLEventUpkeepStore: EventUpkeepStore {
    let db: any SQLDatabase

    func eventsNeedingUpkeep(at: Date, reminderLead: TimeInterval, limit: Int) async throws -> [(chamberID: ChamberID, eventID: EventID)] {
        try await db.query(
            """
            SELECT e.chamber_id, e.id FROM events e
            WHERE (e.status = 'published' AND (e.ends_at <= ? OR (e.reminded_at IS NULL AND e.starts_at <= ? AND e.starts_at > ?)
                OR EXISTS (
                    SELECT 1 FROM event_registrations r WHERE r.event_id = e.id
                        AND ((r.status = 'waitlisted' AND (e.capacity IS NULL OR e.seats_taken < e.capacity))
                            OR (r.status = 'offered' AND r.offer_expires_at <= ?) OR (r.status = 'pending_payment' AND r.payment_due_at <= ?)))))
                OR (e.status = 'cancelled' AND EXISTS (
                    SELECT 1 FROM event_registrations r WHERE r.event_id = e.id AND r.status NOT IN ('cancelled', 'expired')))
            ORDER BY e.chamber_id, e.id LIMIT ?
            """, [.date(at), .date(at.addingTimeInterval(reminderLead)), .date(at), .date(at), .date(at), .int(Int64(limit))]
        ).map { (try $0.id("chamber_id"), try $0.id("id")) }
    }
}
