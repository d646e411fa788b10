import Foundation

/// What registrants are told about their event, in its live room (in the name of an organiser) and by e-mail to those
/// outside it: the wording, and the `data` a client reads to show it as a notice rather than chat.
enum EventNotice: Sendable, Equatable {
    /// The event's time, time zone, format, venue or online link changed.
    case changed
    case cancelled(reason: String?)
    /// The event starts within ``EventRules/reminderLead``.
    case reminder

    var kind: String {
        switch self {
        case .changed: "changed"
        case .cancelled: "cancelled"
        case .reminder: "reminder"
        }
    }

    func subject(_ event: Event) -> String {
        switch self {
        case .changed: "Changed: \(event.title)"
        case .cancelled: "Cancelled: \(event.title)"
        case .reminder: "Reminder: \(event.title)"
        }
    }

    func body(_ event: Event) -> String {
        let place = "\(event.venue.map { " at \($0)" } ?? "")\(event.virtualURL.map { " (online: \($0))" } ?? "")"
        return switch self {
        case .changed:
            "\(event.title) now starts \(EventText.when(event))\(place), and ends \(EventText.time(event.endsAt, in: event.timeZone))."
        case .cancelled(let reason):
            "\(event.title), planned for \(EventText.when(event)), is cancelled.\(reason.map { "\n\n\($0)" } ?? "")"
        case .reminder:
            "\(event.title) starts \(EventText.when(event))\(place). Your check-in code is on your registration."
        }
    }

    /// What the room's message carries, so that clients can tell the notice from chat.
    func data(_ event: Event) -> JSONValue {
        .object(["event_notice": .string(kind), "event_id": .string(event.id.rawValue)])
    }

    /// The room message's client id: one notice of a kind per event and revision, however often it is attempted.
    func clientMessageID(_ event: Event) -> String {
        switch self {
        case .changed: "event:\(event.id.rawValue):changed:\(event.revision)"
        case .cancelled, .reminder: "event:\(event.id.rawValue):\(kind)"
        }
    }
}
