import Foundation

/// Events as staff run them and members find them: drafting, ticket types, publishing, cancelling, and the lists
/// each role may read.
public final class EventService: Sendable {
    let store: any Store
    let mailer: any Mailer
    /// Makes and archives events' live rooms, and posts the organisers' notices there.
    let chat: ChatService
    /// Bills paid registrations and settles those that end; none where registrations are paid to staff by hand only.
    let billing: BillingService?
    /// Tells the organisers the door figures after a change; none where nobody listens (a tool, some tests).
    let attendanceBoard: EventAttendanceBoard?
    let now: @Sendable () -> Date

    public init(
        store: any Store, mailer: any Mailer, chat: ChatService, billing: BillingService? = nil, attendanceBoard: EventAttendanceBoard? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.mailer = mailer
        self.chat = chat
        self.billing = billing
        self.attendanceBoard = attendanceBoard
        self.now = now
    }

    /// An event with its ticket types.
    public struct Detail: Sendable {
        public let event: Event
        public let ticketTypes: [TicketType]
    }

    /// The events the caller sees, upcoming (and under way) first by start; past ones too when asked.
    public func list(_ access: ChamberAccess, includingPast: Bool, page: PageRequest) async throws -> Page<Event> {
        try access.require(.view, .event)
        let buyer = try await Self.buyer(access, store: store)
        let statuses: [EventStatus] = buyer.runsEvents ? EventStatus.allCases : [.published, .cancelled, .completed]
        // Visibility by tier is decided here, so a page may hold fewer than it could; its cursor still moves on.
        let page = try await store.scoped(to: access.chamberID).events.list(
            statuses: statuses, endingAfter: includingPast ? nil : now(), page: page)
        return Page(items: page.items.filter { EventRules.visible($0, to: buyer) }, nextCursor: page.nextCursor)
    }

    public func get(_ access: ChamberAccess, id: EventID) async throws -> Detail {
        try access.require(.view, .event)
        let event = try await visibleEvent(access, id: id)
        return Detail(event: event, ticketTypes: try await store.scoped(to: access.chamberID).events.ticketTypes(of: id))
    }

    /// The chamber's published public events that have not ended, for its public calendar.
    public func publicEvents(slug: String) async throws -> (chamber: Chamber, events: [Event]) {
        guard let chamber = try await store.chambers.find(slug: slug) else { throw ChamberError(.chamberNotFound, "no chamber '\(slug)'") }
        let events = try await Page.collect(upTo: 1_000) {
            try await self.store.scoped(to: chamber.id).events.list(statuses: [.published, .cancelled], endingAfter: self.now(), page: $0)
        }
        return (chamber, events.filter { $0.visibility == .public })
    }

    /// A draft event with its first ticket types.
    public func create(_ access: ChamberAccess, input: EventInput, ticketTypes: [TicketTypeInput]) async throws -> Detail {
        try access.require(.create, .event)
        guard let title = input.title else { throw ChamberError(.validationFailed, "title is required", field: "title") }
        guard let startsAt = input.startsAt else { throw ChamberError(.validationFailed, "starts_at is required", field: "starts_at") }
        guard let endsAt = input.endsAt else { throw ChamberError(.validationFailed, "ends_at is required", field: "ends_at") }
        guard ticketTypes.count <= 20 else { throw ChamberError(.validationFailed, "at most 20 ticket types", field: "ticket_types") }
        let chamber = try await store.chambers.find(id: access.chamberID)
        var event = Event(
            id: .generate(), chamberID: access.chamberID, title: title, startsAt: startsAt, endsAt: endsAt,
            timeZone: chamber?.settings.timezone ?? "UTC", createdBy: access.userID, createdAt: now())
        try EventRules.apply(input, to: &event)
        try await requireTiers(access, event.tierIDs, field: "tier_ids")
        var tickets: [TicketType] = []
        for (index, ticketInput) in ticketTypes.enumerated() {
            tickets.append(try await ticket(access, ticketInput, for: event.id, field: "ticket_types[\(index)]"))
        }
        var names: Set<String> = []
        for (index, ticket) in tickets.enumerated() where !names.insert(ticket.name).inserted {
            throw ChamberError(.conflict, "two ticket types are named '\(ticket.name)'", field: "ticket_types[\(index)].name")
        }
        // The live room first: an event is never without one (a room left by a failed insert holds nothing).
        let room = try await chat.create(
            access, kind: .event, name: String(event.title.prefix(80)), topic: nil, eventID: event.id.rawValue, members: [])
        event.roomID = room.id
        try await store.scoped(to: access.chamberID).events.insert(event, ticketTypes: tickets)
        try await audit(access, "event.created", event, detail: "\(event.title), \(tickets.count) ticket type(s)")
        return Detail(event: event, ticketTypes: tickets)
    }

    public func update(_ access: ChamberAccess, id: EventID, input: EventInput) async throws -> Event {
        try access.require(.update, .event)
        let events = store.scoped(to: access.chamberID).events
        // Seats are taken without the event's revision moving, so a write refused for a capacity below the seats
        // taken is read again and checked again.
        for _ in 0..<5 {
            var event = try await find(access, id: id)
            guard event.status == .draft || event.status == .published else {
                throw ChamberError(.eventStateConflict, "a \(event.status.rawValue) event cannot be changed")
            }
            let before = event
            try EventRules.apply(input, to: &event)
            if input.tierIDs != nil { try await requireTiers(access, event.tierIDs, field: "tier_ids") }
            if try await events.update(event) {
                event.revision += 1
                try await audit(access, "event.changed", event, detail: event.title)
                if event.status == .published, EventRules.movesAttendees(from: before, to: event) {
                    try await announceChange(of: event, by: access.userID)
                }
                // More room may be seats for those waiting.
                if event.status == .published { try await mailOffers(try await events.offerFreeSeats(event: id, at: now()), of: event) }
                return event
            }
        }
        throw ChamberError(.eventStateConflict, "the event changed while it was being written; read it again")
    }

    /// Opens a draft to registration; it needs a ticket type on sale.
    public func publish(_ access: ChamberAccess, id: EventID) async throws -> Event {
        try access.require(.update, .event)
        var event = try await find(access, id: id)
        guard event.status == .draft else {
            throw ChamberError(.eventStateConflict, "only a draft is published; this one is \(event.status.rawValue)")
        }
        let tickets = try await store.scoped(to: access.chamberID).events.ticketTypes(of: id)
        guard tickets.contains(where: \.active) else {
            throw ChamberError(.eventStateConflict, "add a ticket type before publishing (a free one for a free event)")
        }
        event.status = .published
        return try await write(access, event, action: "event.published")
    }

    /// Cancels the event and every open registration, telling the room (and mailing registrants outside it) with
    /// `reason`.
    public func cancel(_ access: ChamberAccess, id: EventID, reason: String?) async throws -> Event {
        try access.require(.update, .event)
        var event = try await find(access, id: id)
        guard event.status == .draft || event.status == .published else {
            throw ChamberError(.eventStateConflict, "a \(event.status.rawValue) event cannot be cancelled")
        }
        let reason = try Validate.optionalText(reason, field: "reason", maxLength: 1_000)
        event.status = .cancelled
        event = try await write(access, event, action: "event.cancelled", reason: reason)
        // Told in the room before it is archived: its members keep the notice in its history.
        let told = await announce(.cancelled(reason: reason), of: event, by: access.userID)
        try await archiveRoom(of: event)
        _ = try await closeRegistrations(of: event, reason: reason, roomTold: told)
        return event
    }

    /// Cancels every registration of a cancelled event still open, mailing each registrant not in the room (the room
    /// got the notice); returns how many. A
    /// registration written meanwhile is read again; one left open (a crash part-way) is closed by the upkeep job.
    func closeRegistrations(of event: Event, reason: String?, roomTold: Bool) async throws -> Int {
        let scope = store.scoped(to: event.chamberID)
        let open = try await Page.collect(upTo: EventRules.maxCapacity) {
            try await scope.events.registrations(of: event.id, status: nil, name: nil, page: $0)
        }.filter(\.status.isOpen)
        var closed = 0
        for found in open {
            var registration: Registration? = found
            for _ in 0..<3 {
                guard var current = registration, current.status.isOpen else { break }
                current.status = .cancelled
                current.cancelledAt = now()
                if let ended = try await scope.events.end(current, at: now())?.ended {
                    closed += 1
                    await settle(ended, reason: "the event was cancelled")
                    // Members of the room were told there, when it was.
                    if let userID = ended.userID {
                        let toldThere = roomTold ? try await inRoom(userID, of: event) : false
                        let notice = EventNotice.cancelled(reason: reason)
                        if !toldThere { await mail(userID, in: event.chamberID, subject: notice.subject(event), body: notice.body(event)) }
                    }
                    break
                }
                registration = try await scope.events.registration(id: found.id)
            }
        }
        return closed
    }

    public func addTicketType(_ access: ChamberAccess, eventID: EventID, input: TicketTypeInput) async throws -> TicketType {
        try access.require(.update, .event)
        let event = try await find(access, id: eventID)
        guard event.status == .draft || event.status == .published else {
            throw ChamberError(.eventStateConflict, "a \(event.status.rawValue) event takes no new ticket types")
        }
        let events = store.scoped(to: access.chamberID).events
        guard try await events.ticketTypes(of: eventID).count < 20 else {
            throw ChamberError(.validationFailed, "at most 20 ticket types", field: "ticket_types")
        }
        let ticket = try await ticket(access, input, for: eventID, field: nil)
        try await events.insert(ticket)
        try await audit(access, "event.ticket_type_added", event, detail: "\(ticket.name): \(ticket.priceCents)")
        return ticket
    }

    public func updateTicketType(_ access: ChamberAccess, eventID: EventID, id: TicketTypeID, input: TicketTypeInput) async throws -> TicketType {
        try access.require(.update, .event)
        let event = try await find(access, id: eventID)
        let events = store.scoped(to: access.chamberID).events
        for _ in 0..<5 {
            guard var ticket = try await events.ticketTypes(of: eventID).first(where: { $0.id == id }) else {
                throw ChamberError(.ticketTypeNotFound, "no ticket type \(id) for this event")
            }
            try EventRules.apply(input, to: &ticket)
            if input.tierIDs != nil { try await requireTiers(access, ticket.tierIDs, field: "tier_ids") }
            if try await events.update(ticket) {
                try await audit(access, "event.ticket_type_changed", event, detail: "\(ticket.name): \(ticket.priceCents)")
                if event.status == .published { try await mailOffers(try await events.offerFreeSeats(event: eventID, at: now()), of: event) }
                return ticket
            }
        }
        throw ChamberError(.eventStateConflict, "the ticket type changed while it was being written; read it again")
    }

    /// A discount code for the event (staff): a share (`percent_off`) or an amount off, for chosen ticket types or
    /// all, a number of uses and a date.
    public func addDiscountCode(_ access: ChamberAccess, eventID: EventID, input: DiscountCodeInput) async throws -> DiscountCode {
        try access.require(.update, .event)
        let event = try await find(access, id: eventID)
        guard let raw = input.code else { throw ChamberError(.validationFailed, "code is required", field: "code") }
        let off: DiscountCode.Off
        switch (input.percentOff, input.amountOffCents) {
        case (let percent?, nil):
            guard (1...100).contains(percent) else {
                throw ChamberError(.validationFailed, "percent_off must be between 1 and 100", field: "percent_off")
            }
            off = .percent(percent)
        case (nil, let cents?):
            guard (1...EventRules.maxPriceCents).contains(cents) else {
                throw ChamberError(.validationFailed, "amount_off_cents must be between 1 and \(EventRules.maxPriceCents)", field: "amount_off_cents")
            }
            off = .amount(cents: cents)
        default: throw ChamberError(.validationFailed, "send one of percent_off and amount_off_cents", field: "percent_off")
        }
        var code = DiscountCode(id: .generate(), eventID: eventID, code: try DiscountCode.normalized(raw), off: off)
        try code.apply(input)
        try await requireTicketTypes(access, code.ticketTypeIDs, of: eventID)
        try await store.scoped(to: access.chamberID).events.insert(code)
        try await audit(access, "event.discount_code_added", event, detail: code.code)
        return code
    }

    public func discountCodes(_ access: ChamberAccess, eventID: EventID) async throws -> [DiscountCode] {
        try access.require(.update, .event)
        _ = try await find(access, id: eventID)
        return try await store.scoped(to: access.chamberID).events.discountCodes(of: eventID)
    }

    /// Changes a code's ticket types, uses allowed, date, or retires it (`active` false); what it takes off stays.
    public func updateDiscountCode(
        _ access: ChamberAccess, eventID: EventID, id: DiscountCodeID, input: DiscountCodeInput
    ) async throws
        -> DiscountCode
    {
        try access.require(.update, .event)
        let event = try await find(access, id: eventID)
        guard input.code == nil, input.percentOff == nil, input.amountOffCents == nil else {
            throw ChamberError(.validationFailed, "a code and what it takes off stay as added; retire it and add another", field: "code")
        }
        let events = store.scoped(to: access.chamberID).events
        guard var code = try await events.discountCodes(of: eventID).first(where: { $0.id == id }) else {
            throw ChamberError(.notFound, "no discount code \(id) for this event")
        }
        try code.apply(input)
        try await requireTicketTypes(access, code.ticketTypeIDs, of: eventID)
        guard try await events.update(code) else { throw ChamberError(.notFound, "no discount code \(id) for this event") }
        try await audit(access, "event.discount_code_changed", event, detail: code.code)
        return code
    }

    private func requireTicketTypes(_ access: ChamberAccess, _ ids: [TicketTypeID], of eventID: EventID) async throws {
        guard !ids.isEmpty else { return }
        let known = Set(try await store.scoped(to: access.chamberID).events.ticketTypes(of: eventID).map(\.id))
        if let unknown = ids.first(where: { !known.contains($0) }) {
            throw ChamberError(.ticketTypeNotFound, "no ticket type \(unknown) for this event", field: "ticket_type_ids")
        }
    }

    // MARK: - Shared with the other event services

    /// The caller as a buyer: their role, whether their standing gives member prices, and their tier.
    static func buyer(_ access: ChamberAccess, store: any Store) async throws -> Buyer {
        let scope = store.scoped(to: access.chamberID)
        let member = try await scope.members.find(userID: access.userID)
        var standing: MembershipStanding?
        if let member { standing = try await scope.binding(member) }
        return Buyer(
            role: access.role, standingAllowsMemberPrices: standing.map { $0.status.allows(.memberPrices) } ?? true, tierID: standing?.tierID)
    }

    /// The event if the caller sees it; `event_not_found` otherwise (nobody learns of a draft or a tier's event).
    func visibleEvent(_ access: ChamberAccess, id: EventID) async throws -> Event {
        guard let event = try await store.scoped(to: access.chamberID).events.find(id: id),
            EventRules.visible(event, to: try await Self.buyer(access, store: store))
        else { throw ChamberError(.eventNotFound, "no event \(id) in this chamber") }
        return event
    }

    // MARK: - Private

    private func find(_ access: ChamberAccess, id: EventID) async throws -> Event {
        guard let event = try await store.scoped(to: access.chamberID).events.find(id: id) else {
            throw ChamberError(.eventNotFound, "no event \(id) in this chamber")
        }
        return event
    }

    private func write(_ access: ChamberAccess, _ event: Event, action: String, reason: String? = nil) async throws -> Event {
        guard try await store.scoped(to: access.chamberID).events.update(event) else {
            throw ChamberError(.eventStateConflict, "the event changed while it was being written; read it again")
        }
        var written = event
        written.revision += 1
        try await audit(access, action, written, detail: written.title, reason: reason)
        return written
    }

    private func ticket(_ access: ChamberAccess, _ input: TicketTypeInput, for eventID: EventID, field: String?) async throws -> TicketType {
        guard let name = input.name else {
            throw ChamberError(.validationFailed, "a ticket type needs a name", field: field.map { "\($0).name" } ?? "name")
        }
        var ticket = TicketType(id: .generate(), eventID: eventID, name: name)
        try EventRules.apply(input, to: &ticket)
        try await requireTiers(access, ticket.tierIDs, field: field.map { "\($0).tier_ids" } ?? "tier_ids")
        return ticket
    }

    private func requireTiers(_ access: ChamberAccess, _ ids: [TierID], field: String) async throws {
        guard !ids.isEmpty else { return }
        let known = Set(try await store.scoped(to: access.chamberID).tiers.list(includingRetired: true).map(\.id))
        if let unknown = ids.first(where: { !known.contains($0) }) {
            throw ChamberError(.tierNotFound, "no tier \(unknown) in this chamber", field: field)
        }
    }

    private func audit(_ access: ChamberAccess, _ action: String, _ event: Event, detail: String, reason: String? = nil) async throws {
        try await store.scoped(to: access.chamberID).auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: action, target: "event:\(event.id)", detail: detail, reason: reason,
                at: now()))
    }
}
