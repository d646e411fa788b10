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

    public init(store: any Store, announcer: any EventAttendanceAnnouncer, delay: Duration = .milliseconds(250)) {
        self.store = store
        self.announcer = announcer
        self.delay = delay
    }

    /// Notes that the event's figures changed: its organisers hear them within `delay`.
    public func changed(_ eventID: EventID, in chamberID: ChamberID) {
        guard due.updateValue(chamberID, forKey: eventID) == nil else { return }
        Task { [delay] in
            try? await Task.sleep(for: delay)
            await self.announce(eventID)
        }
    }

    private func announce(_ eventID: EventID) async {
        // Taken off first: a change while the figures are read schedules the next announcement.
        guard let chamberID = due.removeValue(forKey: eventID) else { return }
        let scope = store.scoped(to: chamberID)
        do {
            guard let event = try await scope.events.find(id: eventID), let room = event.roomID else { return }
            let organisers = try await scope.chat.channels.owners(of: room)
            guard !organisers.isEmpty else { return }
            await announcer.attendanceChanged(try await scope.events.attendance(of: eventID), of: event, to: organisers)
        } catch {
            // Figures are a view: the next change announces them again, and the door reads GET …/attendance meanwhile.
        }
    }
}
