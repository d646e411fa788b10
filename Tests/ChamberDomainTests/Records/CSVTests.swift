import ChamberDomain
import Foundation
import Testing

/// CSV as spreadsheets write it, and as we write it for them.
@Suite("CSV")
struct CSVTests {
    @Test(
        "reading: quotes, doubled quotes, commas and line breaks inside quotes, CRLF or LF, a byte-order mark, blank lines",
        arguments: [
            ("a,b\r\n1,2\r\n", [["a", "b"], ["1", "2"]]),
            ("a,b\n1,2", [["a", "b"], ["1", "2"]]),
            ("\u{FEFF}email\nx@y.z\n\n", [["email"], ["x@y.z"]]),
            ("\"a,b\",\"say \"\"hi\"\"\"\n", [["a,b", "say \"hi\""]]),
            ("\"two\nlines\",x\n", [["two\nlines", "x"]]),
            ("a,,c\n,,\n , \n", [["a", "", "c"]]),
            ("café,naïve\n", [["café", "naïve"]]),
        ] as [(String, [[String]])])
    func reading(_ text: String, _ expected: [[String]]) throws {
        #expect(try CSV.parse(text) == expected)
    }

    @Test("each row knows the line it starts on, past blank lines and quoted line breaks")
    func lines() throws {
        #expect(try CSV.records("a\n\n\"x\ny\",z\nq\n").map(\.line) == [1, 3, 5])
    }

    @Test("a quote left open is refused with its line")
    func openQuote() {
        #expect(throws: ChamberError(.validationFailed, "line 2 opens a quoted field that never closes", field: "file")) {
            try CSV.parse("a\n\"never closed\n,x\n")
        }
    }

    @Test(
        "writing: quoted where needed, formulas defused, and read back as written",
        arguments: [
            (["plain", "with,comma", "say \"hi\"", "two\nlines"], "plain,\"with,comma\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"),
            (["=HYPERLINK(\"x\")", "+1 217 555 0199", "-5", "@sum", "a=b"], "\"'=HYPERLINK(\"\"x\"\")\",'+1 217 555 0199,'-5,'@sum,a=b\r\n"),
        ])
    func writing(_ fields: [String], _ expected: String) throws {
        let line = CSV.line(fields)
        #expect(line == expected)
        #expect(try CSV.parse(line).first?.map(CSV.unguarded) == fields)
    }

    @Test("an apostrophe is taken off only where the export put it")
    func unguarding() {
        #expect(CSV.unguarded("'+1 217") == "+1 217")
        #expect(CSV.unguarded("'tis") == "'tis")
        #expect(CSV.unguarded("O'Brien") == "O'Brien")
    }
}
