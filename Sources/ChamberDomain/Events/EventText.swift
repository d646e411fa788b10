import Foundation

/// How events read in mail: times in the event's own zone, which is where its registrants will be.
enum EventText {
    static func time(_ date: Date, in zone: String) -> String {
        var style = Date.FormatStyle(date: .abbreviated, time: .shortened)
        style.timeZone = TimeZone(identifier: zone) ?? .gmt
        return "\(date.formatted(style)) (\(zone))"
    }

    static func when(_ event: Event) -> String { time(event.startsAt, in: event.timeZone) }
}
