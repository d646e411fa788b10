import Foundation

/// How an event did: registrations day by day, who came and who did not, and the money by ticket type. Computed from
/// the registrations themselves, so it always agrees with the door list.
public struct EventReport: Sendable, Equatable {
    /// Registrations made on one day of the event's time zone (waitlisted ones too), and their seats.
    public struct Day: Sendable, Equatable {
        public let day: String
        public let registrations: Int
        public let seats: Int
    }

    /// One ticket type's figures: confirmed registrations and their seats, what they paid, and what is awaited.
    public struct TicketFigures: Sendable, Equatable {
        public let ticketTypeID: TicketTypeID
        public let name: String
        public let registrations: Int
        public let seats: Int
        /// Amounts of confirmed registrations.
        public let revenueCents: Int
        /// Amounts of registrations still awaiting payment.
        public let pendingCents: Int
    }

    public let byDay: [Day]
    public let confirmed: Int
    public let checkedIn: Int
    /// Checked in over confirmed registrations; nil with none confirmed.
    public let attendanceRate: Double?
    /// Confirmed registrations never checked in, once the event is over (``Event/isOver(at:)``); nil before.
    public let noShows: Int?
    public let byTicketType: [TicketFigures]
    public let revenueCents: Int

    /// The report of `event` at `date`, from all of its `registrations`.
    public static func make(_ event: Event, tickets: [TicketType], registrations: [Registration], at date: Date) -> EventReport {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: event.timeZone) ?? .gmt
        var days: [String: (registrations: Int, seats: Int)] = [:]
        for registration in registrations {
            let parts = calendar.dateComponents([.year, .month, .day], from: registration.createdAt)
            let day = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
            days[day, default: (0, 0)].registrations += 1
            days[day, default: (0, 0)].seats += registration.seats
        }
        let confirmed = registrations.filter { $0.status == .confirmed }
        let checkedIn = confirmed.filter { $0.checkedInAt != nil }.count
        let figures = tickets.map { ticket in
            let mine = registrations.filter { $0.ticketTypeID == ticket.id }
            let paid = mine.filter { $0.status == .confirmed }
            return TicketFigures(
                ticketTypeID: ticket.id, name: ticket.name, registrations: paid.count, seats: paid.reduce(0) { $0 + $1.seats },
                revenueCents: paid.reduce(0) { $0 + $1.amountCents },
                pendingCents: mine.filter { $0.status == .pendingPayment }.reduce(0) { $0 + $1.amountCents })
        }
        return EventReport(
            byDay: days.keys.sorted().map { Day(day: $0, registrations: days[$0]!.registrations, seats: days[$0]!.seats) },
            confirmed: confirmed.count, checkedIn: checkedIn,
            attendanceRate: confirmed.isEmpty ? nil : Double(checkedIn) / Double(confirmed.count),
            noShows: event.isOver(at: date) ? confirmed.count - checkedIn : nil, byTicketType: figures,
            revenueCents: figures.reduce(0) { $0 + $1.revenueCents })
    }

    /// The columns of a registrations export, in order.
    public static let exportColumns = [
        "registration_id", "name", "email", "ticket_type", "guests", "seats", "amount_cents", "discount_code", "status", "registered_at",
        "paid_at", "payment_reference", "checked_in_at", "walk_in",
    ]

    /// One export row per registration, its registrant's e-mail beside it (none for a walk-in).
    public static func exportRows(_ roster: [(registration: Registration, email: String?)], tickets: [TicketType]) -> [[String]] {
        let names = Dictionary(uniqueKeysWithValues: tickets.map { ($0.id, $0.name) })
        return [exportColumns]
            + roster.map { registration, email in
                [
                    registration.id.rawValue, registration.name, email ?? "", names[registration.ticketTypeID] ?? "",
                    registration.guests.joined(separator: "; "), String(registration.seats), String(registration.amountCents),
                    registration.discountCode ?? "", registration.status.rawValue, registration.createdAt.iso8601Seconds,
                    registration.paidAt?.iso8601Seconds ?? "", registration.paymentReference ?? "", registration.checkedInAt?.iso8601Seconds ?? "",
                    registration.walkIn ? "true" : "false",
                ]
            }
    }
}
