import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Synchronization
import Testing

/// Events through the REST API as staff and members meet them: drafting and publishing, registering with guests and
/// an idempotency key, exact capacity under hundreds of concurrent registrations, the waitlist's offers and their
/// expiry, unpaid registrations released at their deadline (the upkeep job on a test clock), the door, and the
/// calendar feeds read by another program's parser.
@Suite("REST: events, registration, the waitlist and the door")
struct EventTests {
    /// A chamber with an admin, a staff member and `members` members.
    struct Chamber {
        let id: String
        let admin: Account
        let staff: Account
        let members: [Account]
        var path: String { "/v1/chambers/\(id)" }
    }

    static func chamber(_ api: TestAPI, members count: Int) async throws -> Chamber {
        let admin = try await api.signUp("admin")
        let staff = try await api.signUp("stella")
        let id = try await api.createChamber(admin)
        try await api.addMember(staff, to: id, role: "staff", by: admin)
        var members: [Account] = []
        for index in 0..<count {
            let member = try await api.signUp("member\(index)")
            try await api.addMember(member, to: id, role: "member", by: admin)
            members.append(member)
        }
        return Chamber(id: id, admin: admin, staff: staff, members: members)
    }

    /// A published event starting in a week; returns its id and its ticket types' ids.
    static func event(
        _ api: TestAPI, _ chamber: Chamber, capacity: Int?, tickets: [[String: Any]], extra: [String: Any] = [:]
    ) async throws -> (id: String, tickets: [String]) {
        let start = Date().addingTimeInterval(7 * 86_400)
        var body: [String: Any] = [
            "title": "Breakfast, Networking & Co.", "starts_at": start.iso8601Seconds, "ends_at": start.addingTimeInterval(7_200).iso8601Seconds,
            "time_zone": "America/Chicago", "venue": "Hotel Monteleone; Royal St.", "ticket_types": tickets,
        ]
        if let capacity { body["capacity"] = capacity }
        body.merge(extra) { $1 }
        let created = try await api.call(.post, "\(chamber.path)/events", token: chamber.staff.accessToken, json: body)
        #expect(created.status == .created, "\(created.json)")
        let id = created.json["id"].string ?? ""
        let published = try await api.call(.post, "\(chamber.path)/events/\(id)/publish", token: chamber.staff.accessToken)
        #expect(published.status == .ok && published.json["status"].string == "published", "\(published.json)")
        return (id, created.json["ticket_types"].array.compactMap { $0["id"].string })
    }

    static func register(
        _ api: TestAPI, _ chamber: Chamber, _ member: Account, event: String, ticket: String, guests: [String] = [], waitlist: Bool = false,
        key: String? = nil
    ) async throws -> APIResponse {
        var headers = HTTPFields()
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        return try await api.call(
            .post, "\(chamber.path)/events/\(event)/registrations", token: member.accessToken,
            json: ["ticket_type_id": ticket, "guests": guests, "waitlist": waitlist], headers: headers)
    }

    /// The upkeep job for one event, on a clock the test sets.
    final class Upkeep: Sendable {
        final class Clock: Sendable {
            let now = Mutex(Date())
        }
        let clock = Clock()
        let mail = MailBox()
        let upkeep: EventUpkeep

        init(_ api: TestAPI) {
            let clock = self.clock
            let now: @Sendable () -> Date = { clock.now.withLock { $0 } }
            upkeep = EventUpkeep(
                store: api.store,
                events: EventService(
                    store: api.store, mailer: mail, chat: api.node.realtime.chat, billing: BillingService(store: api.store, now: now), now: now),
                now: now)
        }

        func run(_ chamber: Chamber, event: String, at date: Date) async throws {
            clock.now.withLock { $0 = date }
            try await upkeep.run(eventID: EventID(event), in: ChamberID(chamber.id))
        }
    }

    /// What the upkeep job mails, kept to be looked at.
    final class MailBox: Mailer {
        let sent = Mutex<[Mail]>([])
        func send(_ mail: Mail) async throws { sent.withLock { $0.append(mail) } }
        func to(_ email: String) -> [Mail] { sent.withLock { $0.filter { $0.to == email } } }
    }

    @Test(
        "a draft is staff's alone; members register with guests, a retried key answers the same registration, the full event refuses or waitlists, a cancellation offers the seat, the door checks in once",
        arguments: TestBackend.enabled)
    func lifecycle(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await Self.chamber(api, members: 3)
            let (ann, bob, cy) = (chamber.members[0], chamber.members[1], chamber.members[2])
            let start = Date().addingTimeInterval(86_400)
            let draft = try await api.call(
                .post, "\(chamber.path)/events", token: chamber.staff.accessToken,
                json: [
                    "title": "Gala", "starts_at": start.iso8601Seconds, "ends_at": start.addingTimeInterval(3_600).iso8601Seconds, "venue": "Hall",
                    "capacity": 3,
                ])
            #expect(draft.status == .created && draft.json["status"].string == "draft" && draft.json["time_zone"].string == "UTC", "\(draft.json)")
            let id = draft.json["id"].string ?? ""
            #expect(try await api.call(.get, "\(chamber.path)/events/\(id)", token: ann.accessToken).errorCode == "event_not_found")
            #expect(try await api.call(.get, "\(chamber.path)/events", token: ann.accessToken).json["items"].array.isEmpty)
            #expect(
                try await api.call(.post, "\(chamber.path)/events/\(id)/publish", token: chamber.staff.accessToken).errorCode
                    == "event_state_conflict",
                "no ticket type yet")
            #expect(
                try await api.call(.post, "\(chamber.path)/events", token: ann.accessToken, json: ["title": "Mine"]).status == .forbidden,
                "members do not create events")
            let ticket = try await api.call(
                .post, "\(chamber.path)/events/\(id)/ticket-types", token: chamber.staff.accessToken, json: ["name": "General"])
            #expect(ticket.status == .created && ticket.json["price_cents"].int == 0, "\(ticket.json)")
            let ticketID = ticket.json["id"].string ?? ""
            #expect(try await api.call(.post, "\(chamber.path)/events/\(id)/publish", token: chamber.staff.accessToken).status == .ok)
            #expect(try await api.call(.get, "\(chamber.path)/events", token: ann.accessToken).json["items"].array.count == 1)

            // Ann and a guest: two seats; the retry answers the same registration.
            let first = try await Self.register(api, chamber, ann, event: id, ticket: ticketID, guests: ["Dora"], key: "ann-1")
            #expect(first.status == .created && first.json["status"].string == "confirmed" && first.json["seats"].int == 2, "\(first.json)")
            let retry = try await Self.register(api, chamber, ann, event: id, ticket: ticketID, guests: ["Dora"], key: "ann-1")
            #expect(retry.status == .ok && retry.json["id"] == first.json["id"], "\(retry.json)")
            #expect(try await Self.register(api, chamber, ann, event: id, ticket: ticketID).errorCode == "already_registered")
            // Bob takes the last seat; Cy with a guest does not fit: refused, or waitlisted when he asks.
            #expect(try await Self.register(api, chamber, bob, event: id, ticket: ticketID).json["status"].string == "confirmed")
            #expect(try await Self.register(api, chamber, cy, event: id, ticket: ticketID, guests: ["Eve"]).errorCode == "event_full")
            let waiting = try await Self.register(api, chamber, cy, event: id, ticket: ticketID, guests: ["Eve"], waitlist: true)
            #expect(waiting.json["status"].string == "waitlisted" && waiting.json["waitlisted_at"].string != nil, "\(waiting.json)")
            let event = try await api.call(.get, "\(chamber.path)/events/\(id)", token: ann.accessToken)
            #expect(event.json["seats_taken"].int == 3 && event.json["seats_left"].int == 0, "\(event.json)")

            // Ann cancels: her two seats go to Cy at once, held for him until he takes them.
            let cancelled = try await api.call(.post, "\(chamber.path)/registrations/\(first.json["id"].string ?? "")/cancel", token: ann.accessToken)
            #expect(cancelled.json["status"].string == "cancelled", "\(cancelled.json)")
            let offered = try await api.call(.get, "\(chamber.path)/events/\(id)/registrations/mine", token: cy.accessToken)
            #expect(offered.json["status"].string == "offered" && offered.json["offer_expires_at"].string != nil, "\(offered.json)")
            let cyID = offered.json["id"].string ?? ""
            #expect(try await api.call(.post, "\(chamber.path)/registrations/\(cyID)/accept", token: bob.accessToken).status == .notFound)
            let accepted = try await api.call(.post, "\(chamber.path)/registrations/\(cyID)/accept", token: cy.accessToken)
            #expect(accepted.json["status"].string == "confirmed", "\(accepted.json)")
            #expect(
                try await api.call(.post, "\(chamber.path)/registrations/\(cyID)/accept", token: cy.accessToken).errorCode
                    == "registration_state_conflict")

            // The door: Cy's code once, a forged code never, Bob by his registration found by name, a walk-in refused
            // while the event is full.
            let code = accepted.json["check_in_code"].string ?? ""
            let door = "\(chamber.path)/events/\(id)/check-ins"
            #expect(try await api.call(.post, door, token: cy.accessToken, json: ["code": code]).status == .forbidden)
            let checked = try await api.call(.post, door, token: chamber.staff.accessToken, json: ["code": code])
            #expect(checked.status == .ok && checked.json["checked_in_at"].string != nil, "\(checked.json)")
            let twice = try await api.call(.post, door, token: chamber.staff.accessToken, json: ["code": code])
            #expect(
                twice.errorCode == "already_checked_in"
                    && twice.json["error"]["message"].string?.contains(checked.json["checked_in_at"].string ?? "-")
                        == true,
                "\(twice.json)")
            let forged = String(code.dropLast()) + (code.hasSuffix("a") ? "b" : "a")
            #expect(try await api.call(.post, door, token: chamber.staff.accessToken, json: ["code": forged]).errorCode == "check_in_code_invalid")
            let found = try await api.call(.get, "\(chamber.path)/events/\(id)/registrations?q=MEMBER1", token: chamber.staff.accessToken)
            #expect(found.json["items"].array.count == 1, "\(found.json)")
            #expect(try await api.call(.get, "\(chamber.path)/events/\(id)/registrations", token: bob.accessToken).status == .forbidden)
            let bobIn = try await api.call(
                .post, door, token: chamber.staff.accessToken, json: ["registration_id": found.json["items"][0]["id"].string ?? ""])
            #expect(bobIn.status == .ok, "\(bobIn.json)")
            #expect(
                try await api.call(.post, "\(chamber.path)/events/\(id)/walk-ins", token: chamber.staff.accessToken, json: ["name": "Walker"])
                    .errorCode == "event_full")
            #expect(
                try await api.call(.patch, "\(chamber.path)/events/\(id)", token: chamber.staff.accessToken, json: ["capacity": 2]).errorCode
                    == "validation_failed", "capacity below the seats held")
            #expect(
                try await api.call(.patch, "\(chamber.path)/events/\(id)", token: chamber.staff.accessToken, json: ["capacity": 4]).json["capacity"]
                    .int == 4)
            let walkIn = try await api.call(
                .post, "\(chamber.path)/events/\(id)/walk-ins", token: chamber.staff.accessToken, json: ["name": "Walker"])
            #expect(walkIn.status == .created && walkIn.json["walk_in"].bool == true && walkIn.json["checked_in_at"].string != nil, "\(walkIn.json)")
            let attendance = try await api.call(.get, "\(chamber.path)/events/\(id)/attendance", token: chamber.staff.accessToken)
            #expect(attendance.json["seats_taken"].int == 4 && attendance.json["checked_in"].int == 3, "\(attendance.json)")
            #expect(attendance.json["checked_in_seats"].int == 4 && attendance.json["walk_ins"].int == 1, "\(attendance.json)")
            #expect(attendance.json["by_status"]["cancelled"]["registrations"].int == 1 && attendance.json["no_shows"].isNull)

            // The chamber-wide list of one's own open registrations holds it, without asking event by event.
            let bobs = try await api.call(.get, "\(chamber.path)/registrations/mine", token: bob.accessToken)
            #expect(bobs.status == .ok && bobs.json["items"].array.map { $0["event_id"].string } == [id], "\(bobs.json)")
            // Cancelling the event cancels every registration.
            let gone = try await api.call(
                .post, "\(chamber.path)/events/\(id)/cancel", token: chamber.staff.accessToken, json: ["reason": "The hall flooded."])
            #expect(gone.json["status"].string == "cancelled", "\(gone.json)")
            #expect(
                try await api.call(.get, "\(chamber.path)/events/\(id)/registrations/mine", token: bob.accessToken).errorCode
                    == "registration_not_found")
            #expect(try await api.call(.get, "\(chamber.path)/registrations/mine", token: bob.accessToken).json["items"].array.isEmpty)
            #expect(try await Self.register(api, chamber, ann, event: id, ticket: ticketID).errorCode == "event_not_open")
            // A registration left open by a crash part-way through the cancellation is closed by the upkeep job.
            let bobsID = found.json["items"][0]["id"].string ?? ""
            try await api.store.database.query("UPDATE event_registrations SET status = 'confirmed' WHERE id = ?", [.text(bobsID)])
            try await Upkeep(api).run(chamber, event: id, at: Date())
            #expect(try await api.call(.get, "\(chamber.path)/registrations/\(bobsID)", token: bob.accessToken).json["status"].string == "cancelled")
        }
    }

    @Test(
        "hundreds registering at once, through two nodes on one database, never take more seats than the event or its ticket type has",
        arguments: TestBackend.enabled)
    func capacityUnderConcurrency(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            // A second node on the same database, with connections enough that transactions overlap.
            try await withServer(backend, configure: { $0.databaseURL = api.node.configuration.databaseURL }) { other in
                let chamber = try await Self.chamber(api, members: 200)
                let (id, tickets) = try await Self.event(
                    api, chamber, capacity: 60, tickets: [["name": "Standing"], ["name": "Seated", "capacity": 25]])
                // Fifty in flight at any moment, two hundred in all: contention enough on the event's row, without
                // starving every other test server that shares this process's threads and the machine's two cores.
                let outcomes = try await withThrowingTaskGroup(of: (String?, String?).self) { group in
                    var outcomes: [(String?, String?)] = []
                    for (index, member) in chamber.members.enumerated() {
                        if index >= 50, let outcome = try await group.next() { outcomes.append(outcome) }
                        group.addTask {
                            let response = try await Self.register(
                                index % 2 == 0 ? api : other, chamber, member, event: id, ticket: tickets[index % 2],
                                guests: index % 3 == 0 ? ["Guest"] : [])
                            return (response.json["status"].string, response.errorCode)
                        }
                    }
                    for try await outcome in group { outcomes.append(outcome) }
                    return outcomes
                }
                #expect(outcomes.count == 200)
                #expect(
                    outcomes.allSatisfy { $0.0 == "confirmed" || $0.1 == "event_full" },
                    "\(outcomes.filter { $0.0 != "confirmed" && $0.1 != "event_full" })")
                let confirmed = try await Page.collect {
                    try await api.store.scoped(to: ChamberID(chamber.id)).events.registrations(
                        of: EventID(id), status: .confirmed, name: nil, page: $0)
                }
                let seats = confirmed.reduce(0) { $0 + $1.seats }
                let seated = confirmed.filter { $0.ticketTypeID.rawValue == tickets[1] }.reduce(0) { $0 + $1.seats }
                #expect(seats <= 60 && seated <= 25, "\(seats) seats, \(seated) seated")
                #expect(seats >= 59, "the event fills (a last seat may be left for want of a party of one)")
                let event = try await other.call(.get, "\(chamber.path)/events/\(id)", token: chamber.staff.accessToken)
                #expect(event.json["seats_taken"].int == seats, "the count is the sum of the registrations' seats: \(event.json)")
                #expect(event.json["ticket_types"][1]["seats_taken"].int == seated, "\(event.json)")
            }
        }
    }

    @Test(
        "the waitlist is offered in order; an offer not taken expires and passes on; an unpaid registration frees its seat at the deadline",
        arguments: TestBackend.enabled)
    func waitlistOnTheClock(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await Self.chamber(api, members: 4)
            let (payer, first, second, third) = (chamber.members[0], chamber.members[1], chamber.members[2], chamber.members[3])
            let (id, tickets) = try await Self.event(
                api, chamber, capacity: 1, tickets: [["name": "Member", "price_cents": 2_500, "audience": "members"]],
                extra: ["offer_minutes": 60, "payment_minutes": 30])
            let paid = try await Self.register(api, chamber, payer, event: id, ticket: tickets[0])
            #expect(paid.json["status"].string == "pending_payment" && paid.json["amount_cents"].int == 2_500, "\(paid.json)")
            for member in [first, second, third] {
                #expect(
                    try await Self.register(api, chamber, member, event: id, ticket: tickets[0], waitlist: true).json["status"].string == "waitlisted"
                )
            }
            let waitlist = try await api.call(.get, "\(chamber.path)/events/\(id)/registrations?status=waitlisted", token: chamber.staff.accessToken)
            #expect(waitlist.json["items"].array.compactMap { $0["user_id"].string } == [first, second, third].map(\.userID))

            let upkeep = Upkeep(api)
            func status(_ member: Account) async throws -> String? {
                try await api.call(.get, "\(chamber.path)/events/\(id)/registrations/mine", token: member.accessToken).json["status"].string
            }
            // Before the deadline nothing moves; after it, the unpaid seat goes to the first in line.
            try await upkeep.run(chamber, event: id, at: Date().addingTimeInterval(20 * 60))
            var (payerNow, firstNow) = (try await status(payer), try await status(first))
            #expect(payerNow == "pending_payment" && firstNow == "waitlisted")
            try await upkeep.run(chamber, event: id, at: Date().addingTimeInterval(31 * 60))
            (payerNow, firstNow) = (try await status(payer), try await status(first))
            var secondNow = try await status(second)
            #expect(payerNow == nil, "expired: no open registration")
            #expect(firstNow == "offered" && secondNow == "waitlisted")
            // The first lets the offer run out (an hour): it passes to the second.
            try await upkeep.run(chamber, event: id, at: Date().addingTimeInterval(31 * 60 + 3_660))
            (firstNow, secondNow) = (try await status(first), try await status(second))
            let thirdNow = try await status(third)
            #expect(firstNow == nil && secondNow == "offered" && thirdNow == "waitlisted")
            // The second takes it (on the wall clock, within the offer), and pays through staff.
            let offer = try await api.call(.get, "\(chamber.path)/events/\(id)/registrations/mine", token: second.accessToken)
            let accepted = try await api.call(
                .post, "\(chamber.path)/registrations/\(offer.json["id"].string ?? "")/accept", token: second.accessToken)
            #expect(accepted.json["status"].string == "pending_payment" && accepted.json["payment_due_at"].string != nil, "\(accepted.json)")
            #expect(
                try await api.call(
                    .post, "\(chamber.path)/events/\(id)/check-ins", token: chamber.staff.accessToken,
                    json: [
                        "registration_id": accepted.json["id"].string ?? ""
                    ]
                ).errorCode == "registration_state_conflict", "unpaid registrations are not checked in")
            let payment = try await api.call(
                .post, "\(chamber.path)/registrations/\(accepted.json["id"].string ?? "")/payment", token: chamber.staff.accessToken,
                json: ["reference": "cash #12"])
            #expect(payment.json["status"].string == "confirmed" && payment.json["paid_at"].string != nil, "\(payment.json)")
            let event = try await api.call(.get, "\(chamber.path)/events/\(id)", token: chamber.staff.accessToken)
            #expect(event.json["seats_taken"].int == 1, "one seat held through it all: \(event.json)")
            let report = try await api.call(.get, "\(chamber.path)/events/\(id)/report", token: chamber.staff.accessToken)
            #expect(
                report.json["confirmed"].int == 1 && report.json["checked_in"].int == 0 && report.json["attendance_rate"].int == 0, "\(report.json)")
            #expect(report.json["revenue_cents"].int == 2_500 && report.json["by_ticket_type"][0]["pending_cents"].int == 0, "\(report.json)")
            #expect(report.json["registrations_by_day"].array.reduce(0) { $0 + ($1["registrations"].int ?? 0) } == 4, "\(report.json)")
            #expect(report.json["no_shows"].isNull, "not before the end")
            #expect(try await api.call(.get, "\(chamber.path)/events/\(id)/report", token: second.accessToken).status == .forbidden)
            let export = try await api.call(.get, "\(chamber.path)/events/\(id)/exports/registrations", token: chamber.staff.accessToken)
            let rows = try CSV.parse(String(decoding: export.body, as: UTF8.self))
            #expect(rows.first == EventReport.exportColumns && rows.count == 5, "\(rows)")
            let paidRow = rows.first { $0.contains(second.email) } ?? []
            #expect(paidRow.contains("confirmed") && paidRow.contains("cash #12") && paidRow.contains("2500"), "\(paidRow)")
            let json = try await api.call(.get, "\(chamber.path)/events/\(id)/exports/registrations?format=json", token: chamber.staff.accessToken)
            #expect(json.json["items"].array.count == 4 && json.json["items"][0]["status"].string == "expired", "\(json.json)")
            // After the end the job completes the event.
            try await upkeep.run(chamber, event: id, at: Date().addingTimeInterval(8 * 86_400))
            #expect(try await api.call(.get, "\(chamber.path)/events/\(id)", token: chamber.staff.accessToken).json["status"].string == "completed")
            let after = try await api.call(.get, "\(chamber.path)/events/\(id)/report", token: chamber.staff.accessToken)
            #expect(after.json["no_shows"].int == 1, "the paid registrant never came: \(after.json)")
        }
    }

    @Test(
        "a registration moves to another ticket type when its seats fit there; a free one moved to a paid type awaits payment",
        arguments: TestBackend.enabled)
    func changeTicketType(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await Self.chamber(api, members: 2)
            let (ann, bob) = (chamber.members[0], chamber.members[1])
            let (id, tickets) = try await Self.event(
                api, chamber, capacity: 10,
                tickets: [
                    ["name": "Free"], ["name": "Front row", "capacity": 2, "price_cents": 2_000], ["name": "Members", "audience": "non_members"],
                ])
            let anns = try await Self.register(api, chamber, ann, event: id, ticket: tickets[0], guests: ["Dora"])
            let move = "\(chamber.path)/registrations/\(anns.json["id"].string ?? "")/ticket-type"
            #expect(
                try await api.call(.post, move, token: bob.accessToken, json: ["ticket_type_id": tickets[1]]).errorCode == "registration_not_found")
            #expect(try await api.call(.post, move, token: ann.accessToken, json: ["ticket_type_id": tickets[2]]).errorCode == "ticket_not_eligible")
            let moved = try await api.call(.post, move, token: ann.accessToken, json: ["ticket_type_id": tickets[1]])
            #expect(moved.json["status"].string == "pending_payment" && moved.json["amount_cents"].int == 4_000, "\(moved.json)")
            #expect(moved.json["ticket_type_id"].string == tickets[1] && moved.json["seats"].int == 2 && moved.json["payment_due_at"].string != nil)
            // The front row is full now: Bob cannot move there.
            let bobs = try await Self.register(api, chamber, bob, event: id, ticket: tickets[0])
            let bobMove = "\(chamber.path)/registrations/\(bobs.json["id"].string ?? "")/ticket-type"
            #expect(try await api.call(.post, bobMove, token: bob.accessToken, json: ["ticket_type_id": tickets[1]]).errorCode == "event_full")
            let event = try await api.call(.get, "\(chamber.path)/events/\(id)", token: chamber.staff.accessToken)
            #expect(event.json["seats_taken"].int == 3, "\(event.json)")
            #expect(event.json["ticket_types"].array.map { $0["seats_taken"].int } == [1, 2, 0], "\(event.json)")
            // Paid, Ann moves back to the free type only by cancelling: prices differ.
            _ = try await api.call(.post, "\(chamber.path)/registrations/\(anns.json["id"].string ?? "")/payment", token: chamber.staff.accessToken)
            #expect(
                try await api.call(.post, move, token: ann.accessToken, json: ["ticket_type_id": tickets[0]]).errorCode
                    == "registration_state_conflict")
        }
    }

    @Test(
        "registrants are reminded once, a day before: in the live room, and by e-mail outside it unless they turned event e-mail off",
        arguments: TestBackend.enabled)
    func reminders(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await Self.chamber(api, members: 4)
            let (ann, bob, cy, dee) = (chamber.members[0], chamber.members[1], chamber.members[2], chamber.members[3])
            let (id, tickets) = try await Self.event(api, chamber, capacity: 3, tickets: [["name": "General"]])
            for member in [ann, bob, dee, cy] {
                _ = try await Self.register(api, chamber, member, event: id, ticket: tickets[0], waitlist: true)
            }
            let event = try await api.call(.get, "\(chamber.path)/events/\(id)", token: ann.accessToken)
            let room = event.json["room_id"].string ?? ""
            // Ann and Bob leave the room: they are reminded by e-mail, Bob not at all once he turned it off.
            for member in [ann, bob] {
                #expect(try await api.call(.post, "\(chamber.path)/channels/\(room)/leave", token: member.accessToken).status == .noContent)
            }
            let off = try await api.call(
                .patch, "\(chamber.path)/notification-preferences", token: bob.accessToken, json: ["categories": ["events": ["email": "none"]]])
            #expect(off.status == .ok, "\(off.json)")
            let startsAt = try Date(event.json["starts_at"].string ?? "", strategy: .iso8601)
            let upkeep = Upkeep(api)
            try await upkeep.run(chamber, event: id, at: startsAt.addingTimeInterval(-25 * 3_600))
            #expect(upkeep.mail.sent.withLock { $0.isEmpty }, "not yet")
            try await upkeep.run(chamber, event: id, at: startsAt.addingTimeInterval(-23 * 3_600))
            #expect(upkeep.mail.to(ann.email).map(\.subject).contains { $0.contains("Reminder: Breakfast") }, "\(upkeep.mail.to(ann.email))")
            #expect(upkeep.mail.to(bob.email).isEmpty, "Bob turned event e-mail off")
            #expect(upkeep.mail.to(cy.email).isEmpty, "Cy is waitlisted")
            #expect(upkeep.mail.to(dee.email).isEmpty, "Dee is in the room: she is reminded there")
            try await upkeep.run(chamber, event: id, at: startsAt.addingTimeInterval(-22 * 3_600))
            #expect(upkeep.mail.to(ann.email).count == 1, "once")
            let history = try await api.call(.get, "\(chamber.path)/channels/\(room)/messages", token: dee.accessToken).json["items"].array
            let reminders = history.filter { $0["data"]["event_notice"].string == "reminder" }
            #expect(reminders.count == 1 && reminders.first?["data"]["event_id"].string == id, "\(history)")
            #expect(reminders.first?["sender_id"].string == chamber.staff.userID, "in the name of the event's creator")
            try await eventually("Dee's feed holds the reminder") {
                let items = (try? await api.call(.get, "\(chamber.path)/notifications", token: dee.accessToken))?.json["items"].array ?? []
                return items.contains { $0["category"].string == "events" && $0["text"].string?.hasPrefix("Breakfast") == true }
            }
        }
    }

    @Test("discount codes: a share or an amount off, for chosen ticket types, uses counted exactly and given back", arguments: TestBackend.enabled)
    func discountCodes(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await Self.chamber(api, members: 3)
            let (id, tickets) = try await Self.event(
                api, chamber, capacity: nil, tickets: [["name": "Standard", "price_cents": 3_000], ["name": "VIP", "price_cents": 9_000]])
            let codes = "\(chamber.path)/events/\(id)/discount-codes"
            let half = try await api.call(
                .post, codes, token: chamber.staff.accessToken,
                json: ["code": "half-off", "percent_off": 50, "ticket_type_ids": [tickets[0]], "max_uses": 1])
            #expect(half.status == .created && half.json["code"].string == "HALF-OFF", "\(half.json)")
            #expect(
                try await api.call(.post, codes, token: chamber.staff.accessToken, json: ["code": "HALF-OFF", "amount_off_cents": 100]).status
                    == .conflict)
            #expect(
                try await api.call(.post, codes, token: chamber.staff.accessToken, json: ["code": "BOTH", "percent_off": 10, "amount_off_cents": 5])
                    .errorCode == "validation_failed")
            #expect(
                try await api.call(.post, codes, token: chamber.members[0].accessToken, json: ["code": "MINE", "percent_off": 100]).status
                    == .forbidden)
            let tenner = try await api.call(.post, codes, token: chamber.staff.accessToken, json: ["code": "TENNER", "amount_off_cents": 1_000])

            func register(_ member: Account, _ ticket: String, _ code: String, guests: [String] = []) async throws -> APIResponse {
                try await api.call(
                    .post, "\(chamber.path)/events/\(id)/registrations", token: member.accessToken,
                    json: ["ticket_type_id": ticket, "discount_code": code, "guests": guests])
            }
            let (ann, bob, cy) = (chamber.members[0], chamber.members[1], chamber.members[2])
            #expect(try await register(ann, tickets[1], "half-off").errorCode == "discount_code_invalid", "not for VIP")
            #expect(try await register(ann, tickets[0], "NOPE").errorCode == "discount_code_invalid")
            let annsHalf = try await register(ann, tickets[0], " Half-Off ", guests: ["Dora"])
            #expect(annsHalf.json["amount_cents"].int == 3_000 && annsHalf.json["discount_code"].string == "HALF-OFF", "\(annsHalf.json)")
            #expect(try await register(bob, tickets[0], "HALF-OFF").errorCode == "discount_code_used_up")
            let vip = try await api.call(
                .post, "\(chamber.path)/events/\(id)/registrations", token: cy.accessToken,
                json: ["ticket_type_id": tickets[1], "discount_code": "tenner"], headers: [HTTPField.Name("Idempotency-Key")!: "cy-vip"])
            #expect(vip.json["amount_cents"].int == 8_000, "\(vip.json)")
            // Ann cancels: her use comes back, and Bob takes it.
            #expect(
                try await api.call(.post, "\(chamber.path)/registrations/\(annsHalf.json["id"].string ?? "")/cancel", token: ann.accessToken).status
                    == .ok)
            #expect(try await register(bob, tickets[0], "HALF-OFF").json["amount_cents"].int == 1_500)
            let listed = try await api.call(.get, codes, token: chamber.staff.accessToken)
            #expect(listed.json["items"].array.map { $0["uses"].int } == [1, 1], "\(listed.json)")
            // Retired, it takes no more registrations; what it took off stays as added.
            let retired = try await api.call(
                .patch, "\(codes)/\(tenner.json["id"].string ?? "")", token: chamber.staff.accessToken, json: ["active": false, "max_uses": NSNull()])
            #expect(retired.json["active"].bool == false, "\(retired.json)")
            #expect(
                try await api.call(.patch, "\(codes)/\(tenner.json["id"].string ?? "")", token: chamber.staff.accessToken, json: ["percent_off": 5])
                    .errorCode
                    == "validation_failed")
            #expect(try await register(ann, tickets[1], "TENNER").errorCode == "discount_code_invalid")
            // A retry with the key of a registration made before the code was retired is answered as it stands.
            let retried = try await api.call(
                .post, "\(chamber.path)/events/\(id)/registrations", token: cy.accessToken,
                json: ["ticket_type_id": tickets[1], "discount_code": "tenner"], headers: [HTTPField.Name("Idempotency-Key")!: "cy-vip"])
            #expect(retried.status == .ok && retried.json["id"] == vip.json["id"] && retried.json["amount_cents"].int == 8_000, "\(retried.json)")
        }
    }

    @Test(
        "the live room: made with the event, joined by registrants and staff only; the organisers' messages reach attendees live and, offline, by an events notification; archived when the event completes",
        arguments: TestBackend.enabled)
    func liveRoom(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await Self.chamber(api, members: 3)
            let (ann, bob, cy) = (chamber.members[0], chamber.members[1], chamber.members[2])
            let (id, tickets) = try await Self.event(api, chamber, capacity: 10, tickets: [["name": "General"]])
            let event = try await api.call(.get, "\(chamber.path)/events/\(id)", token: ann.accessToken)
            let room = event.json["room_id"].string ?? ""
            #expect(!room.isEmpty, "\(event.json)")
            for member in [ann, cy] {
                #expect(try await Self.register(api, chamber, member, event: id, ticket: tickets[0]).status == .created)
            }
            // Registered, they are in the room without asking.
            let before = try await api.call(.get, "\(chamber.path)/channels/\(room)/members", token: chamber.staff.accessToken)
            #expect(Set(before.json["items"].array.compactMap { $0["user_id"].string }).isSuperset(of: [ann.userID, cy.userID]), "\(before.json)")
            let join = "\(chamber.path)/channels/\(room)/join"
            #expect(try await api.call(.post, join, token: bob.accessToken).errorCode == "forbidden", "Bob is not registered")
            for member in [ann, cy, chamber.staff] { #expect(try await api.call(.post, join, token: member.accessToken).status == .ok) }
            let socket = try await HubTests.socket(api, ann, chamber.id)
            try await socket.request(["type": "subscribe", "channel_id": room], expect: "subscribed")
            // Bob's socket cannot join either.
            let bobs = try await HubTests.socket(api, bob, chamber.id)
            let refused = try await bobs.request(["type": "join", "channel_id": room], expect: "error", expectError: true)
            #expect(refused["code"].string == "forbidden", "\(refused)")

            let posted = try await api.call(
                .post, "\(chamber.path)/channels/\(room)/messages", token: chamber.staff.accessToken,
                json: ["client_message_id": "welcome-1", "body": "Doors open at six; the bar is on the left."])
            #expect(posted.status == .created || posted.status == .ok, "\(posted.json)")
            let live = try await socket.next("message")
            #expect(live["message"]["body"].string == "Doors open at six; the bar is on the left.", "\(live)")
            // Cy has no socket open: the feed holds the organisers' message as an events notification.
            let feed = "\(chamber.path)/notifications"
            try await eventually("Cy is notified") {
                let items = (try? await api.call(.get, feed, token: cy.accessToken))?.json["items"].array ?? []
                return items.contains { $0["category"].string == "events" && $0["channel_id"].string == room }
            }
            // An attendee's message is ordinary room traffic: nobody is notified by default.
            try await socket.request(
                ["type": "send", "channel_id": room, "client_message_id": "ann-1", "body": "Anyone for the early train?"], expect: "ack")
            try await Task.sleep(for: .milliseconds(300))
            let cysFeed = try await api.call(.get, feed, token: cy.accessToken).json["items"].array
            #expect(cysFeed.allSatisfy { $0["category"].string == "events" }, "\(cysFeed)")

            // Cy cancels: he leaves the room too.
            let cys = try await api.call(.get, "\(chamber.path)/events/\(id)/registrations/mine", token: cy.accessToken)
            #expect(
                try await api.call(.post, "\(chamber.path)/registrations/\(cys.json["id"].string ?? "")/cancel", token: cy.accessToken).status == .ok)
            let members = try await api.call(.get, "\(chamber.path)/channels/\(room)/members", token: chamber.staff.accessToken)
            #expect(!members.json["items"].array.contains { $0["user_id"].string == cy.userID }, "\(members.json)")
            #expect(members.json["items"].array.contains { $0["user_id"].string == ann.userID })

            // The event ends: completed, its room archived.
            try await Upkeep(api).run(chamber, event: id, at: Date().addingTimeInterval(8 * 86_400))
            let late = try await api.call(
                .post, "\(chamber.path)/channels/\(room)/messages", token: chamber.staff.accessToken,
                json: ["client_message_id": "late", "body": "Thanks all"])
            #expect(late.errorCode == "channel_archived", "\(late.json)")
            withExtendedLifetime((socket, bobs)) {}
        }
    }

    @Test(
        "a change of time, and a cancellation, reach registrants in the room live and offline by notification, and by e-mail outside it; organisers follow the door figures live",
        arguments: TestBackend.enabled)
    func noticesAndDoorFigures(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await Self.chamber(api, members: 4)
            let (ann, bob, cy, dee) = (chamber.members[0], chamber.members[1], chamber.members[2], chamber.members[3])
            let (id, tickets) = try await Self.event(api, chamber, capacity: 3, tickets: [["name": "General"]])
            let room = try await api.call(.get, "\(chamber.path)/events/\(id)", token: ann.accessToken).json["room_id"].string ?? ""
            // The staff member who made the event is its room's organiser, and follows the figures.
            let door = try await HubTests.socket(api, chamber.staff, chamber.id)
            for member in [ann, bob, dee, cy] {
                _ = try await Self.register(api, chamber, member, event: id, ticket: tickets[0], waitlist: true)
            }
            let figures = try await door.next("event_attendance") { $0["attendance"]["by_status"]["waitlisted"]["registrations"].int == 1 }
            #expect(figures["channel_id"].string == room, "\(figures)")
            #expect(figures["attendance"]["event_id"].string == id && figures["attendance"]["seats_taken"].int == 3, "\(figures)")
            #expect(figures["attendance"]["by_status"]["confirmed"]["registrations"].int == 3, "\(figures)")
            // A member outside the room hears nothing of it.
            let annsSocket = try await HubTests.socket(api, ann, chamber.id)
            try await annsSocket.request(["type": "subscribe", "channel_id": room], expect: "subscribed")
            #expect(try await api.call(.post, "\(chamber.path)/channels/\(room)/leave", token: bob.accessToken).status == .noContent)

            // The door: Ann is checked in, and the organiser's screen follows.
            let annsCode =
                try await api.call(.get, "\(chamber.path)/events/\(id)/registrations/mine", token: ann.accessToken)
                .json["check_in_code"].string ?? ""
            #expect(
                try await api.call(.post, "\(chamber.path)/events/\(id)/check-ins", token: chamber.staff.accessToken, json: ["code": annsCode])
                    .status == .ok)
            let checkedIn = try await door.next("event_attendance") { $0["attendance"]["checked_in"].int == 1 }
            #expect(checkedIn["attendance"]["checked_in_seats"].int == 1, "\(checkedIn)")
            #expect(try await annsSocket.all("event_attendance", within: .milliseconds(500)).isEmpty, "for organisers only")

            // A new title tells nobody; a new start tells everyone registered.
            let path = "\(chamber.path)/events/\(id)"
            #expect(try await api.call(.patch, path, token: chamber.staff.accessToken, json: ["title": "Breakfast & Co."]).status == .ok)
            let later = Date().addingTimeInterval(8 * 86_400)
            let moved = try await api.call(
                .patch, path, token: chamber.staff.accessToken,
                json: ["starts_at": later.iso8601Seconds, "ends_at": later.addingTimeInterval(3_600).iso8601Seconds])
            #expect(moved.status == .ok, "\(moved.json)")
            let changed = try await annsSocket.next("message") { $0["message"]["data"]["event_notice"].string != nil }["message"]
            #expect(changed["data"]["event_notice"].string == "changed" && changed["data"]["event_id"].string == id, "\(changed)")
            #expect(changed["sender_id"].string == chamber.staff.userID && changed["body"].string?.contains("now starts") == true, "\(changed)")
            // Dee has no socket open: her feed has it. Bob left the room and Cy waits outside it: they are mailed.
            try await eventually("Dee is notified") {
                let items = (try? await api.call(.get, "\(chamber.path)/notifications", token: dee.accessToken))?.json["items"].array ?? []
                return items.contains { $0["category"].string == "events" && $0["text"].string?.contains("now starts") == true }
            }
            for member in [bob, cy] {
                let subjects = try await api.store.mailOutbox.deliveries(to: member.email, limit: 10).map(\.mail.subject)
                #expect(subjects.contains { $0.hasSuffix("Changed: Breakfast & Co.") }, "\(member.email): \(subjects)")
            }
            #expect(
                try await api.store.mailOutbox.deliveries(to: dee.email, limit: 10).allSatisfy { !$0.mail.subject.contains("Breakfast") },
                "told in the room")

            // Cancelled: the room hears why, then is archived; those outside it are mailed.
            let cancelled = try await api.call(
                .post, "\(path)/cancel", token: chamber.staff.accessToken, json: ["reason": "The hotel flooded; we will be back in spring."])
            #expect(cancelled.status == .ok, "\(cancelled.json)")
            let notice = try await annsSocket.next("message") { $0["message"]["data"]["event_notice"].string == "cancelled" }["message"]
            #expect(notice["body"].string?.hasSuffix("The hotel flooded; we will be back in spring.") == true, "\(notice)")
            for member in [bob, cy] {
                let subjects = try await api.store.mailOutbox.deliveries(to: member.email, limit: 10).map(\.mail.subject)
                #expect(subjects.contains { $0.hasSuffix("Cancelled: Breakfast & Co.") }, "\(member.email): \(subjects)")
            }
            #expect(
                try await api.store.mailOutbox.deliveries(to: ann.email, limit: 10).allSatisfy { !$0.mail.subject.contains("Breakfast") },
                "told in the room")
            withExtendedLifetime((door, annsSocket)) {}
        }
    }

    @Test("an organiser's message and a notice of the event reach an offline registrant's phone", arguments: TestBackend.enabled)
    func noticesReachPhones(_ backend: TestBackend) async throws {
        try await FCMDeliveryTests.withFCM(backend) { api, fcm in
            let chamber = try await Self.chamber(api, members: 1)
            let dee = chamber.members[0]
            let phone = fcm.register()
            try await FCMDeliveryTests.register(api, dee, token: phone)
            let (id, tickets) = try await Self.event(api, chamber, capacity: nil, tickets: [["name": "General"]])
            #expect(try await Self.register(api, chamber, dee, event: id, ticket: tickets[0]).status == .created)
            let room = try await api.call(.get, "\(chamber.path)/events/\(id)", token: dee.accessToken).json["room_id"].string ?? ""
            let posted = try await api.call(
                .post, "\(chamber.path)/channels/\(room)/messages", token: chamber.staff.accessToken,
                json: ["client_message_id": "parking", "body": "Parking is free after five."])
            #expect(posted.status == .created, "\(posted.json)")
            try await eventually("the organiser's message is pushed") { fcm.received(by: phone).count == 1 }
            let first = try #require(fcm.received(by: phone).first).message
            #expect(first["data"]["category"].string == "events" && first["data"]["channel_id"].string == room, "\(first)")
            #expect(first["notification"]["body"].string?.hasSuffix("Parking is free after five.") == true, "\(first)")
            // Read, so that the notice makes a notification of its own rather than growing the first.
            _ = try await api.call(.post, "\(chamber.path)/notifications/read", token: dee.accessToken, json: ["all": true])
            let later = Date().addingTimeInterval(9 * 86_400)
            let moved = try await api.call(
                .patch, "\(chamber.path)/events/\(id)", token: chamber.staff.accessToken,
                json: ["starts_at": later.iso8601Seconds, "ends_at": later.addingTimeInterval(3_600).iso8601Seconds])
            #expect(moved.status == .ok, "\(moved.json)")
            try await eventually("the notice is pushed") { fcm.received(by: phone).count == 2 }
            let notice = try #require(fcm.received(by: phone).last).message
            #expect(notice["data"]["category"].string == "events", "\(notice)")
            #expect(notice["notification"]["body"].string?.contains("now starts") == true, "\(notice)")
        }
    }

    @Test(
        "member, non-member and tier tickets, sales windows, and the public calendar and a registration's file parse as iCalendar",
        arguments: TestBackend.enabled)
    func ticketsAndCalendars(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await Self.chamber(api, members: 1)
            let guest = try await api.signUp("gus")
            try await api.addMember(guest, to: chamber.id, role: "guest", by: chamber.admin)
            let member = chamber.members[0]
            let later = Date().addingTimeInterval(86_400)
            let (id, tickets) = try await Self.event(
                api, chamber, capacity: nil,
                tickets: [
                    ["name": "Member", "audience": "members"], ["name": "Non-member", "audience": "non_members", "price_cents": 4_000],
                    ["name": "Later", "sales_start": later.iso8601Seconds], ["name": "Table of 8", "seats_per_ticket": 8, "price_cents": 40_000],
                ],
                extra: [
                    "visibility": "public", "description": "Coffee; talk, and\nquestions.", "format": "hybrid",
                    "virtual_url": "https://meet.example.com/x",
                ])
            #expect(try await Self.register(api, chamber, guest, event: id, ticket: tickets[0]).errorCode == "ticket_not_eligible")
            #expect(try await Self.register(api, chamber, member, event: id, ticket: tickets[1]).errorCode == "ticket_not_eligible")
            #expect(try await Self.register(api, chamber, member, event: id, ticket: tickets[2]).errorCode == "ticket_not_on_sale")
            let guests = (1...8).map { "Guest \($0)" }
            #expect(try await Self.register(api, chamber, member, event: id, ticket: tickets[3], guests: guests).errorCode == "validation_failed")
            let table = try await Self.register(api, chamber, member, event: id, ticket: tickets[3], guests: Array(guests.prefix(7)))
            #expect(table.json["seats"].int == 8 && table.json["amount_cents"].int == 40_000, "\(table.json)")
            let nonMember = try await Self.register(api, chamber, guest, event: id, ticket: tickets[1], guests: ["Pal"])
            #expect(nonMember.json["amount_cents"].int == 8_000 && nonMember.json["status"].string == "pending_payment", "\(nonMember.json)")

            let slug = try await api.call(.get, chamber.path, token: chamber.admin.accessToken).json["slug"].string ?? ""
            let feed = try await api.call(.get, "/v1/public/chambers/\(slug)/events.ics")
            #expect(feed.status == .ok && feed.headers[.contentType]?.hasPrefix("text/calendar") == true)
            let parsed = try await ICalendarParser.parse(String(decoding: feed.body, as: UTF8.self))
            #expect(parsed.errors.isEmpty, "\(parsed.errors)")
            #expect(parsed.events.count == 1, "\(parsed.events)")
            let vevent = parsed.events.first ?? [:]
            #expect(vevent["UID"] == "\(id)@chamberconnect" && vevent["SUMMARY"] == "Breakfast, Networking & Co.", "\(vevent)")
            #expect(vevent["DESCRIPTION"] == "Coffee; talk, and\nquestions." && vevent["LOCATION"] == "Hotel Monteleone; Royal St.", "\(vevent)")
            #expect(vevent["STATUS"] == "CONFIRMED" && vevent["URL"] == "https://meet.example.com/x", "\(vevent)")
            let start = try await api.call(.get, "\(chamber.path)/events/\(id)", token: member.accessToken).json["starts_at"].string ?? ""
            #expect(vevent["DTSTART"].map { $0.replacingOccurrences(of: "+00:00", with: "Z") } == start, "\(vevent)")

            let file = try await api.call(
                .get, "\(chamber.path)/registrations/\(table.json["id"].string ?? "")/calendar.ics", token: member.accessToken)
            let mine = try await ICalendarParser.parse(String(decoding: file.body, as: UTF8.self))
            #expect(mine.errors.isEmpty && mine.events.first?["DESCRIPTION"]?.hasSuffix(table.json["check_in_code"].string ?? "-") == true, "\(mine)")
            #expect(
                try await api.call(.get, "\(chamber.path)/registrations/\(table.json["id"].string ?? "")/calendar.ics", token: guest.accessToken)
                    .errorCode == "registration_not_found")
        }
    }
}
