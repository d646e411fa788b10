import ChamberDomain
import Foundation

/// An event's door figures reach its organisers through their user topics, so every node delivers to its own.
extension Hub: EventAttendanceAnnouncer {
    public func attendanceChanged(_ attendance: EventAttendance, of event: Event, to organisers: [UserID]) async {
        guard let room = event.roomID else { return }
        let frame = WireCoding.encode(
            EventAttendanceFrame(channelId: room.rawValue, attendance: WireEventAttendance(event, attendance, now: Date())))
        for organiser in organisers { publishEphemeral(frame, to: .user(event.chamberID, organiser)) }
    }
}
