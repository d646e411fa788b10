import Foundation

/// Tells an event's organisers (the owners of its live room) its door figures after every change, live.
///
/// A burst of changes within `delay` makes one announcement of the figures after all of them: a door at its busiest,
/// or two hundred registrations at once, reads the counts a few times rather than once per change. The figures are
/// read after the burst, so the last announcement always carries the latest counts.
public actor EventAttendanceBoard {
    private let store: any Store
    private let announcer: any EventAttendanceAnnouncer
    private let delay: Duration
    /// Events with an announcement due, and their chambers.
    private var due: [EventID: ChamberID] = [:]
    /// Events with an announcer running: one per event, so figures are sent in the order they were read.
    private var running: Set<EventID> = []

    public init(store: any Store, announcer: any EventAttendanceAnnouncer, delay: Duration = .milliseconds(250)) {
        self.store = store
        self.announcer = announcer
        self.delay = delay
    }

    /// Notes that the event's figures changed: its organisers hear them within `delay`.
    public func changed(_ eventID: EventID, in chamberID: ChamberID) {
        due[eventID] = chamberID
        guard running.insert(eventID).inserted else { return }
        Task { await self.announce(eventID) }
    }

    /// Announces the event's figures after each burst of changes, until none is left to announce.
    private func announce(_ eventID: EventID) async {
        while true {
            try? await Task.sleep(for: delay)
            // Taken off first: a change while the figures are read makes another round.
            guard let chamberID = due.removeValue(forKey: eventID) else {
                running.remove(eventID)
                return
            }
            let scope = store.scoped(to: chamberID)
            do {
                guard let event = try await scope.events.find(id: eventID), let room = event.roomID else { continue }
                let organisers = try await scope.chat.channels.owners(of: room)
                guard !organisers.isEmpty else { continue }
                await announcer.attendanceChanged(try await scope.events.attendance(of: eventID), of: event, to: organisers)
            } catch {
                // Figures are a view: the next change announces them again, and the door reads GET …/attendance meanwhile.
            }
        }
    }
}
