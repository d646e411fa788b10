import ChamberDomain
import Foundation

// MARK: Requests

/// `POST …/events` and `PATCH …/events/{id}`: absent keys stay as they are; on PATCH `null` empties an optional field.
struct EventRequest {
    static let nullable: Set<String> = ["description", "venue", "virtual_url", "capacity", "cancellation_cutoff_hours"]

    let input: EventInput
    let ticketTypes: [TicketTypeInput]

    init(_ json: JSONValue, creating: Bool) throws(ChamberError) {
        let body = try StrictObject(json, at: "")
        try body.allow(
            [
                "title", "description", "starts_at", "ends_at", "time_zone", "format", "venue", "virtual_url", "visibility", "tier_ids", "capacity",
                "offer_minutes", "payment_minutes", "cancellation_cutoff_hours",
            ].reduce(into: Set<String>()) { $0.insert($1) }.union(creating ? ["ticket_types"] : []))
        input = EventInput(
            title: try body.optionalString("title"), description: try body.optionalString("description"),
            startsAt: try body.optionalDate("starts_at"),
            endsAt: try body.optionalDate("ends_at"), timeZone: try body.optionalString("time_zone"),
            format: try Self.enumeration(body, "format", EventFormat.self), venue: try body.optionalString("venue"),
            virtualURL: try body.optionalString("virtual_url"), visibility: try Self.enumeration(body, "visibility", EventVisibility.self),
            tierIDs: try Self.tiers(body), capacity: try body.optionalInt("capacity"), offerMinutes: try body.optionalInt("offer_minutes"),
            paymentMinutes: try body.optionalInt("payment_minutes"), cancellationCutoffHours: try body.optionalInt("cancellation_cutoff_hours"),
            clear: creating ? [] : body.nulls(among: Self.nullable))
        ticketTypes = try (body.optionalObjects("ticket_types") ?? []).map { object throws(ChamberError) in
            try TicketTypeRequest(object, creating: true).input
        }
    }

    static func enumeration<T: RawRepresentable & CaseIterable>(_ body: StrictObject, _ key: String, _: T.Type) throws(ChamberError) -> T?
    where T.RawValue == String {
        guard let raw = try body.optionalString(key) else { return nil }
        guard let value = T(rawValue: raw) else {
            let field = body.field(key)
            throw ChamberError(
                .validationFailed, "\(field) is one of \(T.allCases.map(\.rawValue).joined(separator: ", "))", field: field)
        }
        return value
    }

    static func tiers(_ body: StrictObject) throws(ChamberError) -> [TierID]? {
        try body.optionalStrings("tier_ids")?.map { raw throws(ChamberError) in
            try Validate.identifier(raw, as: TierID.self, field: body.field("tier_ids"))
        }
    }
}

/// A ticket type in `POST …/events` (`ticket_types`), `POST …/ticket-types` and `PATCH …/ticket-types/{id}`.
struct TicketTypeRequest {
    static let nullable: Set<String> = ["capacity", "sales_start", "sales_end"]

    let input: TicketTypeInput

    init(_ body: StrictObject, creating: Bool) throws(ChamberError) {
        try body.allow(["name", "price_cents", "audience", "tier_ids", "seats_per_ticket", "capacity", "sales_start", "sales_end", "active"])
        input = TicketTypeInput(
            name: try body.optionalString("name"), priceCents: try body.optionalInt("price_cents"),
            audience: try EventRequest.enumeration(body, "audience", TicketAudience.self), tierIDs: try EventRequest.tiers(body),
            seatsPerTicket: try body.optionalInt("seats_per_ticket"), capacity: try body.optionalInt("capacity"),
            salesStart: try body.optionalDate("sales_start"), salesEnd: try body.optionalDate("sales_end"), active: try body.optionalBool("active"),
            clear: creating ? [] : body.nulls(among: Self.nullable))
    }
}

struct EventRegistrationRequest: Decodable {
    let ticketTypeId: String
    let guests: [String]?
    let waitlist: Bool?
    let discountCode: String?
}

/// `POST …/discount-codes` and `PATCH …/discount-codes/{id}`; on PATCH `null` empties `max_uses` or `valid_until`.
struct DiscountCodeRequest {
    let input: DiscountCodeInput

    init(_ json: JSONValue, creating: Bool) throws(ChamberError) {
        let body = try StrictObject(json, at: "")
        try body.allow(["code", "percent_off", "amount_off_cents", "ticket_type_ids", "max_uses", "valid_until", "active"])
        input = DiscountCodeInput(
            code: try body.optionalString("code"), percentOff: try body.optionalInt("percent_off"),
            amountOffCents: try body.optionalInt("amount_off_cents"),
            ticketTypeIDs: try body.optionalStrings("ticket_type_ids")?.map { raw throws(ChamberError) in
                try Validate.identifier(raw, as: TicketTypeID.self, field: "ticket_type_ids")
            }, maxUses: try body.optionalInt("max_uses"), validUntil: try body.optionalDate("valid_until"), active: try body.optionalBool("active"),
            clear: creating ? [] : body.nulls(among: ["max_uses", "valid_until"]))
    }
}

struct ChangeTicketTypeRequest: Decodable {
    let ticketTypeId: String
}

struct WalkInRequest: Decodable {
    let name: String
    let ticketTypeId: String?
    let guests: [String]?
}

/// One of `code` (from the ticket) or `registration_id` (found by name on the door list).
struct CheckInRequest: Decodable {
    let code: String?
    let registrationId: String?
}

struct RecordPaymentRequest: Decodable {
    let reference: String?
    /// `cash` (the default), `cheque` or `bank_transfer`.
    let method: String?

    func paymentMethod() throws(ChamberError) -> OfflinePaymentMethod {
        guard let method else { return .cash }
        guard let parsed = OfflinePaymentMethod(rawValue: method) else {
            throw ChamberError(.validationFailed, "method must be cash, cheque or bank_transfer", field: "method")
        }
        return parsed
    }
}

struct CancelEventRequest: Decodable {
    let reason: String?
}

// MARK: Responses

struct TicketTypeBody: Encodable {
    let id: String
    let eventId: String
    let name: String
    let priceCents: Int
    let currency: String
    let audience: String
    let tierIds: [String]
    let seatsPerTicket: Int
    let capacity: Int?
    let seatsTaken: Int
    let seatsLeft: Int?
    let salesStart: Date?
    let salesEnd: Date?
    let active: Bool

    init(_ ticket: TicketType, currency: String) {
        id = ticket.id.rawValue
        eventId = ticket.eventID.rawValue
        name = ticket.name
        priceCents = ticket.priceCents
        self.currency = currency
        audience = ticket.audience.rawValue
        tierIds = ticket.tierIDs.map(\.rawValue)
        seatsPerTicket = ticket.seatsPerTicket
        capacity = ticket.capacity
        seatsTaken = ticket.seatsTaken
        seatsLeft = ticket.capacity.map { max(0, $0 - ticket.seatsTaken) }
        salesStart = ticket.salesStart
        salesEnd = ticket.salesEnd
        active = ticket.active
    }
}

struct EventBody: Encodable {
    let id: String
    let chamberId: String
    let title: String
    let description: String?
    let startsAt: Date
    let endsAt: Date
    let timeZone: String
    let format: String
    let venue: String?
    let virtualUrl: String?
    let visibility: String
    let tierIds: [String]
    let capacity: Int?
    let seatsTaken: Int
    let seatsLeft: Int?
    let offerMinutes: Int
    let paymentMinutes: Int
    let cancellationCutoffHours: Int?
    let status: String
    let currency: String
    let createdAt: Date
    let revision: Int
    let roomId: String?
    /// Present when the event is answered whole (one event), absent in lists.
    let ticketTypes: [TicketTypeBody]?

    init(_ event: Event, currency: String, ticketTypes: [TicketType]? = nil) {
        id = event.id.rawValue
        chamberId = event.chamberID.rawValue
        title = event.title
        description = event.description
        startsAt = event.startsAt
        endsAt = event.endsAt
        timeZone = event.timeZone
        format = event.format.rawValue
        venue = event.venue
        virtualUrl = event.virtualURL
        visibility = event.visibility.rawValue
        tierIds = event.tierIDs.map(\.rawValue)
        capacity = event.capacity
        seatsTaken = event.seatsTaken
        seatsLeft = event.seatsLeft
        offerMinutes = event.offerMinutes
        paymentMinutes = event.paymentMinutes
        cancellationCutoffHours = event.cancellationCutoffHours
        status = event.status.rawValue
        self.currency = currency
        createdAt = event.createdAt
        revision = event.revision
        roomId = event.roomID?.rawValue
        self.ticketTypes = ticketTypes?.map { TicketTypeBody($0, currency: currency) }
    }
}

struct DiscountCodeBody: Encodable {
    let id: String
    let eventId: String
    let code: String
    let percentOff: Int?
    let amountOffCents: Int?
    let ticketTypeIds: [String]
    let maxUses: Int?
    let uses: Int
    let validUntil: Date?
    let active: Bool

    init(_ code: DiscountCode) {
        id = code.id.rawValue
        eventId = code.eventID.rawValue
        self.code = code.code
        switch code.off {
        case .percent(let percent): (percentOff, amountOffCents) = (percent, nil)
        case .amount(let cents): (percentOff, amountOffCents) = (nil, cents)
        }
        ticketTypeIds = code.ticketTypeIDs.map(\.rawValue)
        maxUses = code.maxUses
        uses = code.uses
        validUntil = code.validUntil
        active = code.active
    }
}

struct RegistrationBody: Encodable {
    let id: String
    let eventId: String
    let userId: String?
    let name: String
    let ticketTypeId: String
    let guests: [String]
    let seats: Int
    let amountCents: Int
    let discountCode: String?
    let status: String
    let createdAt: Date
    let waitlistedAt: Date?
    let offerExpiresAt: Date?
    let paymentDueAt: Date?
    let paidAt: Date?
    let paymentReference: String?
    let cancelledAt: Date?
    let checkInCode: String
    let checkedInAt: Date?
    let walkIn: Bool
    /// The invoice billing a paid registration of a member.
    let invoiceId: String?

    init(_ registration: Registration, code: String) {
        id = registration.id.rawValue
        eventId = registration.eventID.rawValue
        userId = registration.userID?.rawValue
        name = registration.name
        ticketTypeId = registration.ticketTypeID.rawValue
        guests = registration.guests
        seats = registration.seats
        amountCents = registration.amountCents
        discountCode = registration.discountCode
        status = registration.status.rawValue
        createdAt = registration.createdAt
        waitlistedAt = registration.waitlistedAt
        offerExpiresAt = registration.offerExpiresAt
        paymentDueAt = registration.paymentDueAt
        paidAt = registration.paidAt
        paymentReference = registration.paymentReference
        cancelledAt = registration.cancelledAt
        checkInCode = code
        checkedInAt = registration.checkedInAt
        walkIn = registration.walkIn
        invoiceId = registration.invoiceID?.rawValue
    }
}

struct EventReportBody: Encodable {
    struct Day: Encodable {
        let day: String
        let registrations: Int
        let seats: Int
    }
    struct Ticket: Encodable {
        let ticketTypeId: String
        let name: String
        let registrations: Int
        let seats: Int
        let revenueCents: Int
        let pendingCents: Int
    }
    let eventId: String
    let currency: String
    let registrationsByDay: [Day]
    let confirmed: Int
    let checkedIn: Int
    let attendanceRate: Double?
    let noShows: Int?
    let byTicketType: [Ticket]
    let revenueCents: Int

    init(_ event: Event, _ report: EventReport, currency: String) {
        eventId = event.id.rawValue
        self.currency = currency
        registrationsByDay = report.byDay.map { Day(day: $0.day, registrations: $0.registrations, seats: $0.seats) }
        confirmed = report.confirmed
        checkedIn = report.checkedIn
        attendanceRate = report.attendanceRate
        noShows = report.noShows
        byTicketType = report.byTicketType.map {
            Ticket(
                ticketTypeId: $0.ticketTypeID.rawValue, name: $0.name, registrations: $0.registrations, seats: $0.seats,
                revenueCents: $0.revenueCents,
                pendingCents: $0.pendingCents)
        }
        revenueCents = report.revenueCents
    }
}
