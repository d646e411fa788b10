import ChamberTestSupport
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
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (input, output, code) = (
            folder.appendingPathComponent("in.ics"), folder.appendingPathComponent("out.json"), folder.appendingPathComponent("parse.py")
        )
        try Data(text.utf8).write(to: input)
        try script.write(to: code, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [ProcessInfo.processInfo.environment["CHAMBER_TEST_PYTHON"] ?? "python3", code.path, input.path, output.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = folder.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        // Polled, not waited for: a blocked cooperative thread could starve the in-process server.
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        guard process.terminationStatus == 0, let data = try? Data(contentsOf: output), let json = try? JSON.parse(data) else {
            throw TestBackendError(
                "icalendar could not parse the calendar (install it with `pip install icalendar`, or set CHAMBER_TEST_PYTHON): "
                    + ((try? String(contentsOf: errors, encoding: .utf8)) ?? ""))
        }
        return Parsed(
            events: json["events"].array.map { event in (event.object ?? [:]).compactMapValues(\.string) },
            errors: json["errors"].array.compactMap(\.string))
    }
}
