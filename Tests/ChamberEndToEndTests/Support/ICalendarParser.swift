import Foundation
import Testing

/// Parses iCalendar text with Python's `icalendar` package (PyPI), a parser written from RFC 5545 by others, and
/// answers what it read: each VEVENT's properties as text, and the errors it collected. Needs `CHAMBER_TEST_PYTHON`
/// (or `python3`) with `icalendar` installed.
enum ICalendarParser {
    struct Parsed: Sendable {
        let events: [[String: String]]
        let errors: [String]
    }

    static let script = """
        import json, sys
        from icalendar import Calendar
        text = open(sys.argv[1], 'rb').read()
        calendar = Calendar.from_ical(text)
        errors = [str(e) for e in calendar.errors]
        events = []
        for component in calendar.walk():
            errors += [f"{component.name}: {e}" for e in component.errors]
            if component.name != 'VEVENT':
                continue
            event = {key: str(value) for key, value in component.items()}
            event['DTSTART'] = component.decoded('DTSTART').isoformat()
            event['DTEND'] = component.decoded('DTEND').isoformat()
            events.append(event)
        # What it parsed must write back and parse again the same.
        again = Calendar.from_ical(calendar.to_ical())
        if len([c for c in again.walk() if c.name == 'VEVENT']) != len(events):
            errors.append('round trip lost events')
        if calendar.get('VERSION') != '2.0' or not calendar.get('PRODID'):
            errors.append('VERSION 2.0 and PRODID are required')
        json.dump({'events': events, 'errors': errors}, open(sys.argv[2], 'w'))
        """

    static func parse(_ text: String) async throws -> Parsed {
        let json = try JSON.parse(try JSONSerialization.data(withJSONObject: try await PythonReader.run(script, on: Data(text.utf8))))
        return Parsed(
            events: json["events"].array.map { event in (event.object ?? [:]).compactMapValues(\.string) },
            errors: json["errors"].array.compactMap(\.string))
    }
}
