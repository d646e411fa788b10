import Foundation

/// The rules of events as pure functions: what a valid event and ticket type are, who sees and may buy what, what a
/// registration holds and costs. Table-tested in `EventRulesTests`.
public enum EventRules {
    public static let maxGuests = 20
    public static let maxCapacity = 100_000
    public static let maxPriceCents = 10_000_000
    /// How long before an event its registrants are reminded of it.
    public static let reminderLead: TimeInterval = 24 * 3_600

    /// Applies `input` to `event`, checking every field it sets and the event as a whole.
    public static func apply(_ input: EventInput, to event: inout Event) throws(ChamberError) {
        if let title = input.title { event.title = try Validate.name(title, field: "title", maxLength: 160) }
        if input.clear.contains("description") { event.description = nil }
        if let description = input.description { event.description = try Validate.optionalText(description, field: "description", maxLength: 5_000) }
        if let startsAt = input.startsAt { event.startsAt = startsAt }
        if let endsAt = input.endsAt { event.endsAt = endsAt }
        if let zone = input.timeZone { event.timeZone = try Validate.timezone(zone, field: "time_zone") }
        if let format = input.format { event.format = format }
        if input.clear.contains("venue") { event.venue = nil }
        if let venue = input.venue { event.venue = try Validate.optionalText(venue, field: "venue", maxLength: 300) }
        if input.clear.contains("virtual_url") { event.virtualURL = nil }
        if let url = input.virtualURL { event.virtualURL = try Validate.url(url, field: "virtual_url") }
        if let visibility = input.visibility { event.visibility = visibility }
        if let tiers = input.tierIDs { event.tierIDs = Array(Set(tiers)).sorted() }
        if input.clear.contains("capacity") { event.capacity = nil }
        if let capacity = input.capacity { event.capacity = try bounded(capacity, 1...maxCapacity, field: "capacity") }
        if let minutes = input.offerMinutes { event.offerMinutes = try bounded(minutes, 5...(14 * 24 * 60), field: "offer_minutes") }
        if let minutes = input.paymentMinutes { event.paymentMinutes = try bounded(minutes, 5...(14 * 24 * 60), field: "payment_minutes") }
        if input.clear.contains("cancellation_cutoff_hours") { event.cancellationCutoffHours = nil }
        if let hours = input.cancellationCutoffHours {
            event.cancellationCutoffHours = try bounded(hours, 0...(90 * 24), field: "cancellation_cutoff_hours")
        }
        try check(event)
    }

    /// What must hold of an event whatever was changed.
    static func check(_ event: Event) throws(ChamberError) {
        guard event.endsAt > event.startsAt else { throw ChamberError(.validationFailed, "ends_at must be after starts_at", field: "ends_at") }
        guard event.endsAt.timeIntervalSince(event.startsAt) <= 31 * 86_400 else {
            throw ChamberError(.validationFailed, "an event lasts at most 31 days", field: "ends_at")
        }
        switch event.format {
        case .inPerson:
            guard event.venue != nil else { throw ChamberError(.validationFailed, "an in-person event needs a venue", field: "venue") }
        case .virtual:
            guard event.virtualURL != nil else {
                throw ChamberError(.validationFailed, "a virtual event needs a virtual_url", field: "virtual_url")
            }
        case .hybrid:
            guard event.venue != nil, event.virtualURL != nil else {
                throw ChamberError(
                    .validationFailed, "a hybrid event needs a venue and a virtual_url", field: event.venue == nil ? "venue" : "virtual_url")
            }
        }
        guard event.visibility != .tiers || !event.tierIDs.isEmpty else {
            throw ChamberError(.validationFailed, "an event for chosen tiers names at least one in tier_ids", field: "tier_ids")
        }
        if let capacity = event.capacity, capacity < event.seatsTaken {
            throw ChamberError(
                .validationFailed, "capacity cannot go below the \(event.seatsTaken) seats registrations hold", field: "capacity")
        }
    }

    /// Applies `input` to `ticket`, checking every field it sets and the ticket type as a whole.
    public static func apply(_ input: TicketTypeInput, to ticket: inout TicketType) throws(ChamberError) {
        if let name = input.name { ticket.name = try Validate.name(name, field: "name", maxLength: 80) }
        if let price = input.priceCents { ticket.priceCents = try bounded(price, 0...maxPriceCents, field: "price_cents") }
        if let audience = input.audience { ticket.audience = audience }
        if let tiers = input.tierIDs { ticket.tierIDs = Array(Set(tiers)).sorted() }
        if let seats = input.seatsPerTicket { ticket.seatsPerTicket = try bounded(seats, 1...50, field: "seats_per_ticket") }
        if input.clear.contains("capacity") { ticket.capacity = nil }
        if let capacity = input.capacity { ticket.capacity = try bounded(capacity, 1...maxCapacity, field: "capacity") }
        if input.clear.contains("sales_start") { ticket.salesStart = nil }
        if let start = input.salesStart { ticket.salesStart = start }
        if input.clear.contains("sales_end") { ticket.salesEnd = nil }
        if let end = input.salesEnd { ticket.salesEnd = end }
        if let active = input.active { ticket.active = active }
        if let start = ticket.salesStart, let end = ticket.salesEnd, end <= start {
            throw ChamberError(.validationFailed, "sales_end must be after sales_start", field: "sales_end")
        }
        guard ticket.audience != .tiers || !ticket.tierIDs.isEmpty else {
            throw ChamberError(.validationFailed, "a ticket type for chosen tiers names at least one in tier_ids", field: "tier_ids")
        }
        if let capacity = ticket.capacity, capacity < ticket.seatsTaken {
            throw ChamberError(
                .validationFailed, "capacity cannot go below the \(ticket.seatsTaken) seats registrations hold", field: "capacity")
        }
    }

    private static func bounded(_ value: Int, _ range: ClosedRange<Int>, field: String) throws(ChamberError) -> Int {
        guard range.contains(value) else {
            throw ChamberError(.validationFailed, "\(field) must be between \(range.lowerBound) and \(range.upperBound)", field: field)
        }
        return value
    }

    /// Whether someone sees the event. Staff and admins see every event, drafts too; others see published, cancelled
    /// and completed ones their role and tier reach.
    public static func visible(_ event: Event, to buyer: Buyer) -> Bool {
        if buyer.runsEvents { return true }
        guard event.status != .draft else { return false }
        switch event.visibility {
        case .public: return true
        case .members: return buyer.role != nil
        case .tiers: return buyer.tierID.map(event.tierIDs.contains) ?? false
        }
    }

    /// Why `buyer` cannot register for `ticket` of `event` at `date`, or nil when they can.
    public static func refusal(_ ticket: TicketType, of event: Event, for buyer: Buyer, at date: Date) -> ChamberError? {
        guard event.status == .published else {
            return ChamberError(.eventNotOpen, "the event is \(event.status.rawValue): it takes no registrations")
        }
        guard date < event.endsAt else { return ChamberError(.eventNotOpen, "the event is over") }
        guard ticket.active else { return ChamberError(.ticketNotOnSale, "'\(ticket.name)' is no longer sold") }
        if let start = ticket.salesStart, date < start {
            return ChamberError(.ticketNotOnSale, "'\(ticket.name)' goes on sale at \(start.iso8601Seconds)")
        }
        if let end = ticket.salesEnd, date >= end {
            return ChamberError(.ticketNotOnSale, "'\(ticket.name)' was sold until \(end.iso8601Seconds)")
        }
        switch ticket.audience {
        case .everyone: return nil
        case .members:
            return buyer.hasMemberPrices ? nil : ChamberError(.ticketNotEligible, "'\(ticket.name)' is for members in good standing")
        case .nonMembers:
            return buyer.isMember ? ChamberError(.ticketNotEligible, "'\(ticket.name)' is for non-members; members take a member ticket") : nil
        case .tiers:
            return buyer.tierID.map(ticket.tierIDs.contains) == true && buyer.hasMemberPrices
                ? nil : ChamberError(.ticketNotEligible, "'\(ticket.name)' is for members of chosen tiers")
        }
    }

    /// Guests' names as the door list shows them, each checked like any name.
    public static func guests(_ names: [String]) throws(ChamberError) -> [String] {
        try names.enumerated().map { index, name throws(ChamberError) in try Validate.name(name, field: "guests[\(index)]", maxLength: 120) }
    }

    /// Seats a registration of `ticket` with `guests` holds: one each, or the table's seats (which must hold them all).
    public static func seats(_ ticket: TicketType, guests: Int) throws(ChamberError) -> Int {
        guard guests <= maxGuests else { throw ChamberError(.validationFailed, "at most \(maxGuests) guests", field: "guests") }
        if ticket.seatsPerTicket > 1 {
            guard guests < ticket.seatsPerTicket else {
                throw ChamberError(
                    .validationFailed, "'\(ticket.name)' seats \(ticket.seatsPerTicket): at most \(ticket.seatsPerTicket - 1) guests", field: "guests"
                )
            }
            return ticket.seatsPerTicket
        }
        return 1 + guests
    }

    /// What a registration costs: a table's price once, otherwise the price for the registrant and each guest.
    public static func amount(_ ticket: TicketType, guests: Int) -> Int {
        ticket.seatsPerTicket > 1 ? ticket.priceCents : ticket.priceCents * (1 + guests)
    }

    /// Whether a registrant may still cancel at `date` (staff always may).
    public static func cancellationOpen(_ event: Event, at date: Date) -> Bool {
        let cutoff = event.startsAt.addingTimeInterval(-TimeInterval(event.cancellationCutoffHours ?? 0) * 3_600)
        return date < cutoff
    }

    /// Whether a change of the event concerns those coming: when or where it is (a new title or description does not).
    public static func movesAttendees(from before: Event, to after: Event) -> Bool {
        before.startsAt != after.startsAt || before.endsAt != after.endsAt || before.timeZone != after.timeZone
            || before.format != after.format || before.venue != after.venue || before.virtualURL != after.virtualURL
    }
}

/// Who is asking to see or buy: their role in the chamber (nil for the public), whether their standing gives member
/// prices, and their tier.
public struct Buyer: Sendable, Equatable {
    public let role: Role?
    public let standingAllowsMemberPrices: Bool
    public let tierID: TierID?

    public init(role: Role?, standingAllowsMemberPrices: Bool = true, tierID: TierID? = nil) {
        self.role = role
        self.standingAllowsMemberPrices = standingAllowsMemberPrices
        self.tierID = tierID
    }

    /// The public: no role in the chamber.
    public static let anonymous = Buyer(role: nil)

    var runsEvents: Bool { role.map { Permissions.allows($0, .update, .event) } ?? false }
    /// Member or above in the chamber.
    var isMember: Bool { role.map { $0 >= .member } ?? false }
    var hasMemberPrices: Bool { isMember && standingAllowsMemberPrices }
}
