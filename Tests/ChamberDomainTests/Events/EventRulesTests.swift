import Foundation
import Testing

@testable import ChamberDomain

/// The rules of events as tables: who may buy which ticket when, what a registration holds and costs, who gets freed
/// seats, when registrants may cancel, check-in codes, and the iCalendar text rules.
@Suite("Event rules")
struct EventRulesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let gold = TierID.generate()
    static let silver = TierID.generate()

    static func event(status: EventStatus = .published, capacity: Int? = 10, taken: Int = 0, visibility: EventVisibility = .members) -> Event {
        Event(
            id: EventID("e"), chamberID: ChamberID("c"), title: "Mixer", startsAt: now.addingTimeInterval(3_600),
            endsAt: now.addingTimeInterval(7_200),
            timeZone: "UTC", venue: "Hall", visibility: visibility, tierIDs: visibility == .tiers ? [gold] : [], capacity: capacity,
            seatsTaken: taken,
            status: status, createdBy: UserID("u"), createdAt: now)
    }

    static func ticket(
        _ audience: TicketAudience = .everyone, capacity: Int? = nil, taken: Int = 0, seats: Int = 1, start: Date? = nil, end: Date? = nil,
        active: Bool = true
    ) -> TicketType {
        TicketType(
            id: TicketTypeID("t-\(audience.rawValue)"), eventID: EventID("e"), name: "T", priceCents: 1_000, audience: audience,
            tierIDs: audience == .tiers ? [gold] : [], seatsPerTicket: seats, capacity: capacity, seatsTaken: taken, salesStart: start, salesEnd: end,
            active: active)
    }

    static let member = Buyer(role: .member, tierID: silver)
    static let goldMember = Buyer(role: .member, tierID: gold)
    static let lapsed = Buyer(role: .member, standingAllowsMemberPrices: false, tierID: gold)
    static let guest = Buyer(role: .guest)
    static let staff = Buyer(role: .staff)

    @Test(
        "who may buy which ticket, and when",
        arguments: [
            (event(), ticket(), member, nil),
            (event(status: .draft), ticket(), member, "event_not_open"),
            (event(status: .cancelled), ticket(), member, "event_not_open"),
            (event(), ticket(active: false), member, "ticket_not_on_sale"),
            (event(), ticket(start: now.addingTimeInterval(60)), member, "ticket_not_on_sale"),
            (event(), ticket(end: now), member, "ticket_not_on_sale"),
            (event(), ticket(end: now.addingTimeInterval(1)), member, nil),
            (event(), ticket(.members), member, nil),
            (event(), ticket(.members), guest, "ticket_not_eligible"),
            (event(), ticket(.members), lapsed, "ticket_not_eligible"),
            (event(), ticket(.members), staff, nil),
            (event(), ticket(.nonMembers), guest, nil),
            (event(), ticket(.nonMembers), member, "ticket_not_eligible"),
            (event(), ticket(.tiers), goldMember, nil),
            (event(), ticket(.tiers), member, "ticket_not_eligible"),
            (event(), ticket(.tiers), lapsed, "ticket_not_eligible"),
        ] as [(Event, TicketType, Buyer, String?)])
    func refusal(_ event: Event, _ ticket: TicketType, _ buyer: Buyer, _ code: String?) {
        #expect(EventRules.refusal(ticket, of: event, for: buyer, at: Self.now)?.code.rawValue == code)
    }

    @Test("an event over refuses registrations")
    func over() {
        #expect(EventRules.refusal(Self.ticket(), of: Self.event(), for: Self.member, at: Self.now.addingTimeInterval(7_200))?.code == .eventNotOpen)
    }

    @Test(
        "who sees an event",
        arguments: [
            (event(visibility: .public), Buyer.anonymous, true), (event(visibility: .members), Buyer.anonymous, false),
            (event(visibility: .members), guest, true), (event(visibility: .tiers), member, false), (event(visibility: .tiers), goldMember, true),
            (event(status: .draft, visibility: .public), member, false), (event(status: .draft), staff, true),
            (event(status: .cancelled), member, true),
        ] as [(Event, Buyer, Bool)])
    func visibility(_ event: Event, _ buyer: Buyer, _ visible: Bool) {
        #expect(EventRules.visible(event, to: buyer) == visible)
    }

    @Test(
        "seats and amount: one each, or a table's seats for one price",
        arguments: [(1, 0, 1, 1_000), (1, 3, 4, 4_000), (8, 0, 8, 1_000), (8, 7, 8, 1_000)] as [(Int, Int, Int, Int)])
    func seatsAndAmount(_ perTicket: Int, _ guests: Int, _ seats: Int, _ amount: Int) throws {
        let ticket = Self.ticket(seats: perTicket)
        #expect(try EventRules.seats(ticket, guests: guests) == seats)
        #expect(EventRules.amount(ticket, guests: guests) == amount)
    }

    @Test("a table holds its guests; guests are bounded")
    func tooManyGuests() {
        #expect(throws: ChamberError.self) { try EventRules.seats(Self.ticket(seats: 8), guests: 8) }
        #expect(throws: ChamberError.self) { try EventRules.seats(Self.ticket(), guests: EventRules.maxGuests + 1) }
    }

    @Test(
        "a new registrant takes seats only while they fit and nobody waits for the ticket type",
        arguments: [
            (event(capacity: 10, taken: 9), ticket(), 1, false, true), (event(capacity: 10, taken: 9), ticket(), 2, false, false),
            (event(capacity: 10, taken: 0), ticket(), 1, true, false), (event(capacity: nil), ticket(capacity: 5, taken: 5), 1, false, false),
            (event(capacity: nil), ticket(), 50, false, true),
        ] as [(Event, TicketType, Int, Bool, Bool)])
    func admits(_ event: Event, _ ticket: TicketType, _ seats: Int, _ waiting: Bool, _ admitted: Bool) {
        #expect(EventSeats.admits(seats, event: event, ticket: ticket, othersWaiting: waiting) == admitted)
    }

    @Test("freed seats go down the waitlist in order, to each registrant whose seats fit what is left")
    func offers() {
        func waiting(
            _ id: String, seats: Int, ticket: TicketTypeID = TicketTypeID("t-everyone"), status: RegistrationStatus = .waitlisted
        ) -> Registration {
            Registration(
                id: RegistrationID(id), eventID: EventID("e"), chamberID: ChamberID("c"), userID: UserID(id), registeredBy: UserID(id), name: id,
                ticketTypeID: ticket, seats: seats, amountCents: 0, status: status, createdAt: Self.now, checkInToken: "t")
        }
        let tickets = [Self.ticket(), Self.ticket(.members, capacity: 1, taken: 1)]
        let queue = [
            waiting("a", seats: 4), waiting("b", seats: 2), waiting("c", seats: 1, ticket: TicketTypeID("t-members")), waiting("d", seats: 1),
            waiting("e", seats: 1, status: .cancelled), waiting("f", seats: 1),
        ]
        let decided = EventSeats.offers(event: Self.event(capacity: 10, taken: 7), tickets: tickets, waiting: queue)
        #expect(decided.offered.map(\.rawValue) == ["b", "d"], "a does not fit three seats, c's ticket type is full, then three are gone")
        #expect(decided.event.seatsTaken == 10)
        #expect(decided.tickets[TicketTypeID("t-everyone")]?.seatsTaken == 3)
    }

    @Test(
        "registrants cancel until the cut-off before the start",
        arguments: [(nil, 3_599.0, true), (nil, 3_600.0, false), (1, -1.0, true), (1, 0.0, false)] as [(Int?, TimeInterval, Bool)])
    func cancellation(_ cutoffHours: Int?, _ secondsFromNow: TimeInterval, _ open: Bool) {
        var event = Self.event()
        event.cancellationCutoffHours = cutoffHours
        #expect(EventRules.cancellationOpen(event, at: Self.now.addingTimeInterval(secondsFromNow)) == open)
    }

    @Test("event input: formats need their place, tiers need tiers, capacity holds the seats taken, times in order")
    func input() throws {
        var event = Self.event(capacity: 10, taken: 4)
        for (input, field) in [
            (EventInput(format: .virtual), "virtual_url"), (EventInput(format: .hybrid, virtualURL: "https://x.example.com"), nil),
            (EventInput(capacity: 3), "capacity"), (EventInput(clear: ["capacity"]), nil),
            (EventInput(endsAt: Self.now), "ends_at"), (EventInput(visibility: .tiers, tierIDs: []), "tier_ids"),
            (EventInput(timeZone: "Mars/Olympus"), "time_zone"), (EventInput(offerMinutes: 1), "offer_minutes"),
        ] as [(EventInput, String?)] {
            var changed = event
            do {
                try EventRules.apply(input, to: &changed)
                #expect(field == nil, "expected a refusal of \(field ?? "")")
                event = field == nil ? event : changed
            } catch {
                #expect(error.field == field, "\(error)")
            }
        }
    }

    struct Signer: TextSigner {
        let key: String
        /// Not a MAC, but a different string for every text in this process.
        func signature(of text: String) -> String { String(format: "%020lu", UInt(bitPattern: (key + text).hashValue)) }
    }

    @Test("check-in codes: the server's own for this event only")
    func checkInCode() {
        let signer = Signer(key: "0123456789abcdef")
        let token = CheckInCode.newToken()
        let code = CheckInCode.code(token: token, event: EventID("e1"), chamber: ChamberID("c"), signer: signer)
        #expect(CheckInCode.token(of: code, event: EventID("e1"), chamber: ChamberID("c"), signer: signer) == token)
        #expect(CheckInCode.token(of: " \(code)\n", event: EventID("e1"), chamber: ChamberID("c"), signer: signer) == token)
        #expect(CheckInCode.token(of: code, event: EventID("e2"), chamber: ChamberID("c"), signer: signer) == nil, "another event's")
        #expect(CheckInCode.token(of: String(code.dropLast()) + "!", event: EventID("e1"), chamber: ChamberID("c"), signer: signer) == nil)
        #expect(CheckInCode.token(of: "short-x", event: EventID("e1"), chamber: ChamberID("c"), signer: signer) == nil)
        #expect(token.count == 12 && token.allSatisfy { CheckInCode.alphabet.contains($0) })
    }

    @Test(
        "iCalendar text is escaped and folded at 75 octets, never inside a character",
        arguments: [
            ("a;b,c\\d\ne", "a\\;b\\,c\\\\d\\ne"), ("tab\there", "tabhere"), ("plain", "plain"),
        ])
    func text(_ raw: String, _ escaped: String) {
        #expect(ICalendar.text(raw) == escaped)
    }

    @Test("folding")
    func folding() {
        let line = "SUMMARY:" + String(repeating: "é", count: 60)
        let folded = ICalendar.fold(line)
        let lines = folded.components(separatedBy: "\r\n")
        #expect(lines.count == 2 && lines.allSatisfy { $0.utf8.count <= 75 } && lines[1].hasPrefix(" "))
        #expect(lines.joined().replacingOccurrences(of: " é", with: "é") == line || lines[0] + lines[1].dropFirst() == line)
        #expect(ICalendar.utc(Self.now) == "20270115T080000Z")
    }

    @Test(
        "discount codes: a share rounds the discount down, an amount never goes below zero",
        arguments: [
            (DiscountCode.Off.percent(50), 3_000, 1_500), (.percent(33), 1_001, 671), (.percent(100), 9_000, 0),
            (.amount(cents: 1_000), 8_000, 7_000),
            (.amount(cents: 5_000), 3_000, 0),
        ] as [(DiscountCode.Off, Int, Int)])
    func discount(_ off: DiscountCode.Off, _ amount: Int, _ after: Int) {
        #expect(DiscountCode(id: .generate(), eventID: EventID("e"), code: "X", off: off).applied(to: amount) == after)
    }

    @Test("discount codes: for their ticket types and dates only; typed in any case")
    func discountRules() throws {
        let vip = TicketTypeID("vip")
        var code = DiscountCode(id: .generate(), eventID: EventID("e"), code: "VIP", off: .percent(10), ticketTypeIDs: [vip], validUntil: Self.now)
        #expect(code.refusal(for: vip, at: Self.now.addingTimeInterval(-1)) == nil)
        #expect(code.refusal(for: vip, at: Self.now)?.code == .discountCodeInvalid, "its date has passed")
        #expect(code.refusal(for: TicketTypeID("other"), at: Self.now.addingTimeInterval(-1))?.code == .discountCodeInvalid)
        code.active = false
        #expect(code.refusal(for: vip, at: Self.now.addingTimeInterval(-1))?.code == .discountCodeInvalid, "retired")
        #expect(try DiscountCode.normalized(" early-Bird_2 ") == "EARLY-BIRD_2")
        for bad in ["ab", "two words", "émoji", String(repeating: "x", count: 33)] {
            #expect(throws: ChamberError.self) { try DiscountCode.normalized(bad) }
        }
    }

    @Test("the report: days in the event's zone, attendance over confirmed, revenue and what is awaited by ticket type")
    func report() {
        var event = Self.event()
        event.timeZone = "America/Chicago"
        let ticket = Self.ticket()
        func registration(_ status: RegistrationStatus, at hoursAfter: Double, amount: Int, seats: Int = 1, checkedIn: Bool = false) -> Registration {
            Registration(
                id: .generate(), eventID: event.id, chamberID: event.chamberID, userID: .generate(), registeredBy: UserID("u"), name: "R",
                ticketTypeID: ticket.id, seats: seats, amountCents: amount, status: status,
                createdAt: Self.now.addingTimeInterval(hoursAfter * 3_600),
                checkInToken: "t", checkedInAt: checkedIn ? Self.now : nil)
        }
        // Self.now is 08:00 UTC, 02:00 in Chicago: 20 hours later is still the same day there (the next in UTC), 23
        // hours later the next.
        let all = [
            registration(.confirmed, at: 0, amount: 1_000, seats: 2, checkedIn: true), registration(.confirmed, at: 20, amount: 1_000),
            registration(.pendingPayment, at: 23, amount: 1_000), registration(.cancelled, at: 30, amount: 1_000),
        ]
        let report = EventReport.make(event, tickets: [ticket], registrations: all, at: Self.now)
        #expect(report.byDay.map(\.day) == ["2027-01-15", "2027-01-16"] && report.byDay.map(\.registrations) == [2, 2])
        #expect(report.byDay[0].seats == 3)
        #expect(report.confirmed == 2 && report.checkedIn == 1 && report.attendanceRate == 0.5 && report.noShows == nil)
        #expect(report.byTicketType.first?.revenueCents == 2_000 && report.byTicketType.first?.pendingCents == 1_000 && report.revenueCents == 2_000)
        event.status = .completed
        #expect(EventReport.make(event, tickets: [ticket], registrations: all, at: Self.now).noShows == 1)
        #expect(EventReport.make(event, tickets: [ticket], registrations: [], at: Self.now).attendanceRate == nil)
    }
}
