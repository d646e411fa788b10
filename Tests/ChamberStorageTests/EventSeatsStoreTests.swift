import ChamberDomain
import ChamberTestSupport
import Foundation
import Testing

@testable import ChamberStorage

/// Seats are counted under the event's row: a registration that starts while another transaction holds the row
/// waits for it and decides on what it committed, so no two writers both take the last seat.
@Suite("Event seats in the store")
struct EventSeatsStoreTests {
    static func setUp(_ store: SQLStore, capacity: Int) async throws -> (ChamberID, Event, TicketType, [User]) {
        let founder = try await StoreSuiteTests.user("founder", in: store)
        let chamber = try await StoreSuiteTests.chamber(founder, in: store)
        let now = StoreSuiteTests.now
        let event = Event(
            id: .generate(), chamberID: chamber.id, title: "Mixer", startsAt: now.addingTimeInterval(86_400),
            endsAt: now.addingTimeInterval(90_000), timeZone: "UTC", venue: "Hall", capacity: capacity, status: .published, createdBy: founder.id,
            createdAt: now)
        let ticket = TicketType(id: .generate(), eventID: event.id, name: "General")
        try await store.scoped(to: chamber.id).events.insert(event, ticketTypes: [ticket])
        var users: [User] = []
        for index in 0..<3 { users.append(try await StoreSuiteTests.user("guest\(index)", in: store)) }
        return (chamber.id, event, ticket, users)
    }

    static func draft(_ user: User, _ event: Event, _ ticket: TicketType, seats: Int = 1) -> Registration {
        Registration(
            id: .generate(), eventID: event.id, chamberID: event.chamberID, userID: user.id, registeredBy: user.id, name: user.displayName,
            ticketTypeID: ticket.id, seats: seats, amountCents: 0, status: .confirmed, createdAt: StoreSuiteTests.now,
            checkInToken: CheckInCode.newToken())
    }

    @Test("a registration waits for a transaction holding the event's row, and sees the seat it took", arguments: TestBackend.enabled)
    func waitsForTheRow(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let (chamberID, event, ticket, users) = try await Self.setUp(store, capacity: 1)
            let events = store.scoped(to: chamberID).events
            let holding = AsyncStream<Void>.makeStream()
            // Another writer takes the last seat and holds its transaction open a while.
            async let other: Void = db.transaction { tx in
                try await tx.query("UPDATE events SET seats_taken = 1 WHERE id = ?", [.id(event.id)])
                holding.continuation.yield()
                try await Task.sleep(for: .milliseconds(400))
            }
            for await _ in holding.stream { break }
            let outcome = try await events.register(Self.draft(users[0], event, ticket), waitlist: true, at: StoreSuiteTests.now)
            try await other
            #expect(outcome.registration.status == .waitlisted, "the seat was taken meanwhile: \(outcome.registration.status)")
            #expect(try await events.find(id: event.id)?.seatsTaken == 1)
        }
    }

    @Test("a cancellation gives its seats to the first waiting registrants they fit, in one transaction", arguments: TestBackend.enabled)
    func cancellationOffersInOrder(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let (chamberID, event, ticket, users) = try await Self.setUp(store, capacity: 2)
            let events = store.scoped(to: chamberID).events
            let now = StoreSuiteTests.now
            let holder = try await events.register(Self.draft(users[0], event, ticket, seats: 2), waitlist: false, at: now).registration
            let party = try await events.register(Self.draft(users[1], event, ticket, seats: 3), waitlist: true, at: now).registration
            let single = try await events.register(Self.draft(users[2], event, ticket), waitlist: true, at: now.addingTimeInterval(1)).registration
            #expect(party.status == .waitlisted && single.status == .waitlisted)
            var cancelled = holder
            cancelled.status = .cancelled
            cancelled.cancelledAt = now
            let ended = try await events.end(cancelled, at: now)
            #expect(ended?.ended.status == .cancelled)
            #expect(ended?.offers.map(\.id) == [single.id], "the party of three does not fit two seats; the next in line does")
            #expect(ended?.offers.first?.offerExpiresAt == now.addingTimeInterval(TimeInterval(event.offerMinutes) * 60))
            #expect(try await events.find(id: event.id)?.seatsTaken == 1)
            #expect(try await events.end(cancelled, at: now) == nil, "a stale revision ends nothing twice")
        }
    }

    @Test("ending a registration never overwrites a payment or check-in that committed meanwhile", arguments: TestBackend.enabled)
    func endLosesNoAdvance(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let (chamberID, event, ticket, users) = try await Self.setUp(store, capacity: 5)
            let events = store.scoped(to: chamberID).events
            var draft = Self.draft(users[0], event, ticket)
            draft.status = .pendingPayment
            let read = try await events.register(draft, waitlist: false, at: StoreSuiteTests.now).registration
            let holding = AsyncStream<Void>.makeStream()
            // Staff record the payment (an advance, which takes no event lock) while the upkeep expires the same read.
            async let payment: Void = db.transaction { tx in
                try await tx.query(
                    "UPDATE event_registrations SET status = 'confirmed', paid_at = ?, revision = revision + 1 WHERE id = ?",
                    [.date(StoreSuiteTests.now), .id(read.id)])
                holding.continuation.yield()
                try await Task.sleep(for: .milliseconds(400))
            }
            for await _ in holding.stream { break }
            var expired = read
            expired.status = .expired
            let ended = try await events.end(expired, at: StoreSuiteTests.now)
            try await payment
            #expect(ended == nil, "the payment committed first: nothing to end")
            let stored = try await events.registration(id: read.id)
            #expect(stored?.status == .confirmed && stored?.paidAt != nil)
            #expect(try await events.find(id: event.id)?.seatsTaken == 1)
        }
    }
}
