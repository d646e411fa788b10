import ChamberDomain
import Foundation
import Testing

@testable import ChamberStorage

/// A JSON column read in one pass gives the value Foundation's decoder gave, or leaves the text to it.
@Suite("Stored JSON values")
struct StoredJSONValueTests {
    static let sameAsFoundation: [String] = [
        "null", "true", "false", "0", "-0", "42", "-9223372036854775808", "9223372036854775807", "9223372036854775808",
        "12345678901234567890", "1.5", "-2.25e-3", "4.2e1", "1.0", "1e2", "-0.0", "3.0000000000000004", "1e300",
        #""""#, #""plain""#, #""é ü \u00e9 \ud83d\ude00 \"quoted\" \\ \/ \n\t""#, "[]", "{}", "[1, [2, [3, []]], {}]",
        #"{"ts": 1733616000123, "p": "xxxxxxxx", "nested": {"a": [true, null, 1.25]}}"#,
        #"{"a": 1, "a": 2}"#, "  [ 1 ,\n 2 ]  ",
    ]

    @Test("reads as Foundation's decoder reads", arguments: sameAsFoundation)
    func readsAsFoundation(text: String) throws {
        let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(JSONValue(storedJSON: text) == foundation)
        #expect(try SQLRow(["data": .text(text)]).json("data", as: JSONValue.self) == foundation)
    }

    @Test(
        "leaves to Foundation's decoder what it does not take",
        arguments: ["", "nul", "[1,]", "{\"a\" 1}", "01", "1e999", "[" + String(repeating: "[", count: 40) + String(repeating: "]", count: 41)])
    func leavesTheRest(text: String) {
        #expect(JSONValue(storedJSON: text) == nil)
        // The column's reading still answers: Foundation's decoder takes 41 levels, and refuses the others.
        let foundation = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect((try? SQLRow(["data": .text(text)]).json("data", as: JSONValue.self)) == foundation)
    }

    @Test("other types are Foundation's decoder's")
    func otherTypes() throws {
        let row = SQLRow(["mentions": .text(#"["u1","u2"]"#), "data": .null])
        #expect(try row.json("mentions", as: [UserID].self) == [UserID("u1"), UserID("u2")])
        #expect(try row.optionalJSON("data", as: JSONValue.self) == nil)
    }
}
