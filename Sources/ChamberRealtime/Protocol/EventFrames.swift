import ChamberDomain
import Foundation

/// An event's door figures, as REST's `EventAttendance` and the `event_attendance` frame both carry them.
public struct WireEventAttendance: Encodable, Sendable {
    public struct Figures: Encodable, Sendable {
        let registrations: Int
        let seats: Int
    }
    let eventId: String
    let capacity: Int?
    let seatsTaken: Int
    let byStatus: [String: Figures]
    let checkedIn: Int
    let checkedInSeats: Int
    let walkIns: Int
    /// Confirmed registrations not checked in, once the event is over; absent before.
    let noShows: Int?

    public init(_ event: Event, _ attendance: EventAttendance, now: Date) {
        eventId = event.id.rawValue
        capacity = event.capacity
        seatsTaken = event.seatsTaken
        byStatus = Dictionary(
            uniqueKeysWithValues: RegistrationStatus.allCases.map {
                ($0.rawValue, Figures(registrations: attendance.registrations[$0] ?? 0, seats: attendance.seats[$0] ?? 0))
            })
        checkedIn = attendance.checkedIn
        checkedInSeats = attendance.checkedInSeats
        walkIns = attendance.walkIns
        noShows = event.isOver(at: now) ? max(0, (attendance.registrations[.confirmed] ?? 0) - attendance.checkedIn) : nil
    }
}

/// An event's door figures after a change, for the organisers of its live room.
struct EventAttendanceFrame: Encodable, Sendable {
    let type = "event_attendance"
    let channelId: String
    let attendance: WireEventAttendance
}
