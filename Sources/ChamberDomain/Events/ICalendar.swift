import Foundation

/// Events written as iCalendar (RFC 5545): a chamber's public calendar feed, and a file per registration.
public enum ICalendar {
    /// One VEVENT's content beyond the event itself.
    public struct Entry: Sendable {
        public let event: Event
        /// Added to the description (the registrant's check-in code, say).
        public let note: String?
        public init(event: Event, note: String? = nil) {
            self.event = event
            self.note = note
        }
    }

    /// A VCALENDAR holding `entries`, stamped `stamp`, named `name` for calendar apps that show one.
    public static func calendar(name: String, entries: [Entry], stamp: Date) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ChamberConnect//Events//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
        lines.append("X-WR-CALNAME:\(text(name))")
        for entry in entries { lines += vevent(entry, stamp: stamp) }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    private static func vevent(_ entry: Entry, stamp: Date) -> [String] {
        let event = entry.event
        var lines = [
            "BEGIN:VEVENT", "UID:\(event.id.rawValue)@chamberconnect", "DTSTAMP:\(utc(stamp))", "DTSTART:\(utc(event.startsAt))",
            "DTEND:\(utc(event.endsAt))", "SUMMARY:\(text(event.title))",
            "STATUS:\(event.status == .cancelled ? "CANCELLED" : "CONFIRMED")", "SEQUENCE:\(event.revision)",
        ]
        let description = [event.description, entry.note].compactMap { $0 }.joined(separator: "\n\n")
        if !description.isEmpty { lines.append("DESCRIPTION:\(text(description))") }
        let location = [event.venue, event.format == .virtual ? event.virtualURL : nil].compactMap { $0 }.first
        if let location { lines.append("LOCATION:\(text(location))") }
        // A URL property is a URI: no TEXT escaping, and validated URLs hold no line breaks.
        if let url = event.virtualURL { lines.append("URL:\(url)") }
        lines.append("END:VEVENT")
        return lines
    }

    /// A UTC DATE-TIME: `20261204T180000Z`.
    static func utc(_ date: Date) -> String {
        let iso = date.iso8601Seconds  // 2026-12-04T18:00:00Z
        return iso.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }

    /// A TEXT value escaped (RFC 5545 §3.3.11): backslash, semicolon, comma, and line breaks as `\n`.
    static func text(_ value: String) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case ";": escaped += "\\;"
            case ",": escaped += "\\,"
            case "\n": escaped += "\\n"
            case "\r": continue
            default:
                // Other control characters are not allowed in TEXT.
                if scalar.value < 0x20 || scalar.value == 0x7f { continue }
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// A content line folded at 75 octets (§3.1), never inside a UTF-8 sequence: each continuation starts with a space.
    static func fold(_ line: String) -> String {
        var result = String.UnicodeScalarView()
        var width = 0
        for scalar in line.unicodeScalars {
            let octets = String(scalar).utf8.count
            if width + octets > 75 {
                result.append(contentsOf: "\r\n ".unicodeScalars)
                width = 1
            }
            result.append(scalar)
            width += octets
        }
        return String(result)
    }
}
