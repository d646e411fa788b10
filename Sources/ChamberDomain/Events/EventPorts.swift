import Foundation

/// A chamber's events, their ticket types and registrations.
///
/// Every write that changes who holds seats runs in one transaction holding the event's row, so seats are counted
/// exactly however many nodes write at once: ``EventSeats`` decides, the store applies.
public protocol EventStore: Sendable {
    /// The event and its ticket types, in one transaction.
    func insert(_ event: Event, ticketTypes: [TicketType]) async throws
    func find(id: EventID) async throws -> Event?
    /// The event's ticket types, in the order they were added.
    func ticketTypes(of event: EventID) async throws -> [TicketType]
    /// Events in `statuses` ending after `endingAfter` (any when nil), by start.
    func list(statuses: [EventStatus], endingAfter: Date?, page: PageRequest) async throws -> Page<Event>
    /// Writes `event` if its stored revision is still `event.revision` (raising it) and its capacity holds the seats
    /// taken; false otherwise.
    func update(_ event: Event) async throws -> Bool
    /// Notes that the event's registrants were reminded of it; false when someone did already (they are reminded once).
    func markReminded(_ event: EventID, at: Date) async throws -> Bool
    /// Adds a ticket type to the event.
    func insert(_ ticket: TicketType) async throws
    /// Writes the ticket type unless its capacity would fall below its seats taken (false then).
    func update(_ ticket: TicketType) async throws -> Bool

    func insert(_ code: DiscountCode) async throws
    /// The event's discount codes, by code.
    func discountCodes(of event: EventID) async throws -> [DiscountCode]
    /// The event's code spelled `code` (in capitals), if any.
    func discountCode(_ code: String, event: EventID) async throws -> DiscountCode?
    /// Writes what may change of a code: its ticket types, uses allowed, date and whether it is active.
    func update(_ code: DiscountCode) async throws -> Bool

    /// Registers, in one transaction under the event's lock: a registration by the same account with the same
    /// ``Registration/idempotencyKey`` is answered as it stands (`created` false); an open one by the same account
    /// otherwise is `already_registered`. When ``EventSeats/admits(_:event:ticket:othersWaiting:)`` the draft is
    /// stored as it is, taking its seats; otherwise it joins the waitlist when `waitlist`, or `event_full`.
    /// `event_not_open` when the event is no longer published. A draft with a discount code takes one of its uses
    /// (`discount_code_used_up` when none is left), given back when the registration ends.
    func register(_ draft: Registration, waitlist: Bool, at: Date) async throws -> (registration: Registration, created: Bool)
    func registration(id: RegistrationID) async throws -> Registration?
    /// The account's open registration for the event, if any.
    func registration(of user: UserID, event: EventID) async throws -> Registration?
    /// The account's open registrations in the chamber (neither cancelled nor expired), the newest first, at most
    /// `limit`.
    func openRegistrations(of user: UserID, limit: Int) async throws -> [Registration]
    /// The registration `by` made with the idempotency key `key`, whatever its status.
    func registration(key: String, by: UserID, event: EventID) async throws -> Registration?
    /// By the token of its check-in code.
    func registration(checkInToken: String, event: EventID) async throws -> Registration?
    /// The event's registrations in `status` (any when nil) whose registrant's name contains `name` (any case), in
    /// the order they registered (the waitlist's order for waitlisted ones).
    func registrations(of event: EventID, status: RegistrationStatus?, name: String?, page: PageRequest) async throws -> Page<Registration>
    /// Writes `registration` if its stored revision is still `registration.revision` (raising it), for changes that
    /// leave its seats as they are (an offer accepted, a payment, a check-in). False when written since it was read.
    func advance(_ registration: Registration) async throws -> Bool
    /// Ends a registration that is still at `registration.revision` with `registration`'s status (`cancelled` or
    /// `expired`), gives back the seats it held, and offers freed seats down the waitlist (``EventSeats/offers``),
    /// each offer open until `at` plus the event's offer time: all in one transaction. Nil when it was written since
    /// it was read; otherwise the registration as ended and the offers made.
    func end(_ registration: Registration, at: Date) async throws -> (ended: Registration, offers: [Registration])?
    /// Moves a registration still at `registration.revision` to `registration`'s ticket type, seats, amount, status
    /// and payment deadline, under the event's lock: its old seats are given back and its new ones taken
    /// (`event_full` when they do not fit, or others wait for the new ticket type), seats freed are offered down the
    /// waitlist. Nil when it was written since it was read; otherwise the registration as written and the offers.
    func changeTicket(_ registration: Registration, at: Date) async throws -> (changed: Registration, offers: [Registration])?
    /// Offers the event's free seats down its waitlist, as ``end(_:at:)`` does; returns the offers made.
    func offerFreeSeats(event: EventID, at: Date) async throws -> [Registration]
    /// Offers and payments of the event due by `at`: offered ones past their expiry, pending ones past their deadline.
    func overdue(event: EventID, at: Date) async throws -> [Registration]
    /// Every registration of the event in the order they were made, with the registrant's e-mail (none for walk-ins).
    func roster(of event: EventID) async throws -> [(registration: Registration, email: String?)]
    /// How the event's registrations stand: seats by status, checked in.
    /// Notes the invoice that bills the registration (a link, not a change of its state: the revision stays).
    func link(_ registration: RegistrationID, invoice: InvoiceID) async throws
    func attendance(of event: EventID) async throws -> EventAttendance
}

/// Events with anything to do, across chambers, for the upkeep job.
public protocol EventUpkeepStore: Sendable {
    /// Published events with an offer or a payment overdue at `at`, someone waitlisted while seats are free, a
    /// reminder due (a start within `reminderLead` of `at`, not reminded yet), or an end before `at`; and cancelled
    /// events with registrations still open. At most `limit`, by their chamber.
    func eventsNeedingUpkeep(at: Date, reminderLead: TimeInterval, limit: Int) async throws -> [(chamberID: ChamberID, eventID: EventID)]
}

/// The figures of an event's door: seats held by each status, and who came.
public struct EventAttendance: Sendable, Equatable {
    /// Seats (registrants and their guests) of registrations in each status.
    public var seats: [RegistrationStatus: Int]
    /// Registrations (not seats) in each status.
    public var registrations: [RegistrationStatus: Int]
    /// Confirmed registrations checked in, and their seats.
    public var checkedIn: Int
    public var checkedInSeats: Int
    public var walkIns: Int

    public init(
        seats: [RegistrationStatus: Int] = [:], registrations: [RegistrationStatus: Int] = [:], checkedIn: Int = 0, checkedInSeats: Int = 0,
        walkIns: Int = 0
    ) {
        self.seats = seats
        self.registrations = registrations
        self.checkedIn = checkedIn
        self.checkedInSeats = checkedInSeats
        self.walkIns = walkIns
    }
}

/// Tells the organisers watching an event its door figures: the hub implements it on every node.
public protocol EventAttendanceAnnouncer: Sendable {
    /// Sends the event's figures to the sockets `organisers` have in its chamber.
    func attendanceChanged(_ attendance: EventAttendance, of event: Event, to organisers: [UserID]) async
}
