import Foundation

/// How seats are given out, as pure functions the store applies under the event's lock: a registrant takes seats
/// only while nobody waits for the same ticket type, and freed seats go down the waitlist in order to the first
/// registrants whose seats fit.
public enum EventSeats {
    /// Whether `seats` more fit in the event and in the ticket type.
    public static func fit(_ seats: Int, event: Event, ticket: TicketType) -> Bool {
        (event.capacity.map { event.seatsTaken + seats <= $0 } ?? true) && (ticket.capacity.map { ticket.seatsTaken + seats <= $0 } ?? true)
    }

    /// Whether a new registration of `seats` in `ticket` takes seats now (`true`) or must wait (`false`).
    public static func admits(_ seats: Int, event: Event, ticket: TicketType, othersWaiting: Bool) -> Bool {
        !othersWaiting && fit(seats, event: event, ticket: ticket)
    }

    /// The waitlisted registrations to offer seats to, in the order they joined (`waiting` is in that order), each
    /// taken only if its seats fit in what the earlier offers left. Returns them with the counts after.
    public static func offers(
        event: Event, tickets: [TicketType], waiting: [Registration]
    ) -> (offered: [RegistrationID], event: Event, tickets: [TicketTypeID: TicketType]) {
        var event = event
        var byID = Dictionary(uniqueKeysWithValues: tickets.map { ($0.id, $0) })
        var offered: [RegistrationID] = []
        for registration in waiting where registration.status == .waitlisted {
            guard var ticket = byID[registration.ticketTypeID], fit(registration.seats, event: event, ticket: ticket) else { continue }
            event.seatsTaken += registration.seats
            ticket.seatsTaken += registration.seats
            byID[ticket.id] = ticket
            offered.append(registration.id)
        }
        return (offered, event, byID)
    }
}
