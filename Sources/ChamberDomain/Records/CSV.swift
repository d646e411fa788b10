import Foundation

/// Comma-separated values as RFC 4180 writes them, read leniently where spreadsheets differ (LF line ends, a
/// byte-order mark) and written so that a spreadsheet never runs a cell as a formula.
public enum CSV {
    /// The rows of `text`: fields split at commas; a quoted field may hold commas, line breaks and doubled quotes.
    /// Blank rows (nothing but commas, as spreadsheets save after the data) are left out.
    /// - Throws: `validation_failed` for a quote left open, naming its line.
    public static func parse(_ text: String) throws(ChamberError) -> [[String]] {
        try records(text).map(\.fields)
    }

    /// A row and the line of the text it starts on (a quoted field may span lines).
    public struct Record: Sendable, Equatable {
        public let line: Int
        public let fields: [String]
    }

    /// As ``parse(_:)``, with each row's first line.
    public static func records(_ text: String) throws(ChamberError) -> [Record] {
        var rows: [Record] = []
        var rowLine = 1
        var row: [String] = []
        var field = ""
        var quoted = false
        var afterQuote = false
        var line = 1
        var quoteLine = 1
        var scalars = text.unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let scalar = pending {
                pending = nil
                return scalar
            }
            return iterator.next()
        }
        while let scalar = next() {
            if quoted {
                if scalar == "\"" {
                    if let following = next() {
                        if following == "\"" {
                            field.unicodeScalars.append("\"")
                        } else {
                            quoted = false
                            afterQuote = true
                            pending = following
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                row.append(field)
                field = ""
                afterQuote = false
            case "\r":
                continue
            case "\n":
                row.append(field)
                rows.append(Record(line: rowLine, fields: row))
                (row, field, afterQuote) = ([], "", false)
                line += 1
                rowLine = line
            case "\"" where field.isEmpty && !afterQuote:
                quoted = true
                quoteLine = line
            default:
                field.unicodeScalars.append(scalar)
            }
        }
        if quoted { throw ChamberError(.validationFailed, "line \(quoteLine) opens a quoted field that never closes", field: "file") }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(Record(line: rowLine, fields: row))
        }
        return rows.filter { !$0.fields.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
    }

    /// One record, quoted where needed, ending in CRLF.
    public static func line(_ fields: [String]) -> String {
        fields.map(cell).joined(separator: ",") + "\r\n"
    }

    /// The characters a spreadsheet takes as the start of a formula (CSV injection): such a cell is written after
    /// an apostrophe, which spreadsheets show as text, and which ``unguarded(_:)`` takes off again on import.
    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    static func cell(_ value: String) -> String {
        let guarded = value.first.map { formulaStarts.contains($0) } == true ? "'" + value : value
        guard guarded.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return guarded }
        return "\"" + guarded.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A cell as it was before ``cell(_:)`` guarded it.
    public static func unguarded(_ value: String) -> String {
        guard value.hasPrefix("'"), let second = value.dropFirst().first, formulaStarts.contains(second) else { return value }
        return String(value.dropFirst())
    }
}
