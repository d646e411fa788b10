import Foundation

/// The job every node runs: offers not taken and payments not made in time are ended (their seats offered down the
/// waitlist), free seats are offered to those waiting, and events that ended are completed. Idempotent: two nodes
/// running it at once end each registration once (every end is guarded by the registration's revision).
public final class EventUpkeep: Sendable {
    private let store: any Store
    private let events: EventService
    private let now: @Sendable () -> Date

    public init(store: any Store, events: EventService, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.events = events
        self.now = now
    }

    /// One pass; returns how many registrations it ended or offered seats to, and events it completed.
    @discardableResult
    public func run() async throws -> Int {
        let at = now()
        var changes = 0
        var failure: (any Error)?
        for (chamberID, eventID) in try await store.eventUpkeep.eventsNeedingUpkeep(at: at, reminderLead: EventRules.reminderLead, limit: 500) {
            // One event that fails does not hold up the others; the failure is reported once all had their turn.
            do {
                changes += try await upkeep(eventID, in: chamberID, at: at)
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return changes
    }

    /// The job for one event; returns what ``run()`` counts.
    @discardableResult
    public func run(eventID: EventID, in chamberID: ChamberID) async throws -> Int {
        try await upkeep(eventID, in: chamberID, at: now())
    }

    private func upkeep(_ eventID: EventID, in chamberID: ChamberID, at: Date) async throws -> Int {
        let scope = store.scoped(to: chamberID)
        guard var event = try await scope.events.find(id: eventID) else { return 0 }
        // Registrations a cancellation left open (it stopped part-way): mailed, as the room's notice may not have gone.
        if event.status == .cancelled { return try await events.closeRegistrations(of: event, reason: nil, roomTold: false) }
        guard event.status == .published else { return 0 }
        if event.endsAt <= at {
            event.status = .completed
            guard try await scope.events.update(event) else { return 0 }
            try await events.archiveRoom(of: event)
            try await scope.auditLog.append(
                AuditEntry(chamberID: chamberID, actorID: nil, action: "event.completed", target: "event:\(eventID)", detail: event.title, at: at))
            return 1
        }
        var changes = 0
        for var registration in try await scope.events.overdue(event: eventID, at: at) {
            registration.status = .expired
            guard let (ended, offers) = try await scope.events.end(registration, at: at) else { continue }
            await events.settle(ended, reason: "not paid in time")
            try await events.leaveRoom(ended, of: event)
            changes += 1 + offers.count
            try await events.mailOffers(offers, of: event)
            await events.attendanceChanged(of: event)
        }
        let offers = try await scope.events.offerFreeSeats(event: eventID, at: at)
        try await events.mailOffers(offers, of: event)
        if event.startsAt.addingTimeInterval(-EventRules.reminderLead) <= at, at < event.startsAt,
            try await scope.events.markReminded(eventID, at: at)
        {
            changes += try await events.remind(event)
        }
        return changes + offers.count
    }
}
