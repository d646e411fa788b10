import ChamberDomain
import ChamberJSON
import Testing

@testable import ChamberRealtime

/// The client frames' JSON parser against RFC 8259, as a table, and the decoder over it.
@Suite("Wire JSON")
struct WireJSONTests {
    static func parse(_ text: String) -> WireJSON? {
        Array(text.utf8).withUnsafeBytes { try? WireJSON.parse($0) }
    }

    @Test(
        "valid documents parse to what they say",
        arguments: [
            (
                #"{"a":1,"b":[true,false,null],"c":"x"}"#,
                WireJSON.object([("a", .number("1")), ("b", .array([.bool(true), .bool(false), .null])), ("c", .string("x"))])
            ),
            (#"  [ ]  "#, .array([])),
            (#"{}"#, .object([])),
            (#""tab\tquote\"slash\/nl\n""#, .string("tab\tquote\"slash/nl\n")),
            (#""\u00e9\u20ac\ud83d\ude00""#, .string("é€😀")),
            (#"-0.5e+10"#, .number("-0.5e+10")),
            (#"9223372036854775807"#, .number("9223372036854775807")),
            ("\"naïve ✓\"", .string("naïve ✓")),
        ] as [(String, WireJSON)])
    func valid(_ text: String, _ expected: WireJSON) {
        #expect(Self.parse(text) == expected, "\(text)")
    }

    @Test(
        "invalid documents are refused",
        arguments: [
            "", "{", "[1,]", "{\"a\":1,}", "{a:1}", "01", "1.", ".5", "1e", "+1", "--1", "tru", "nul", "\"open",
            "\"bad \\x escape\"", "\"raw \u{01} control\"", "\"\\ud800 lone\"", "\"\\udc00\"", "[1] 2", "{\"a\" 1}", "[1 2]",
            String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
        ])
    func invalid(_ text: String) {
        #expect(Self.parse(text) == nil, "\(text)")
    }

    @Test("a frame nested past the bound is refused without exhausting the stack")
    func deepNesting() {
        #expect(Self.parse(String(repeating: "[", count: 100_000)) == nil)
        #expect(Self.parse(String(repeating: "[", count: 32) + String(repeating: "]", count: 32)) != nil)
    }

    @Test("structured data keeps 64-bit integers exactly and tells integers from fractions")
    func data() throws {
        let text = #"{"ts":1795431806123456789,"ratio":0.25,"big":-9223372036854775808,"nested":{"list":[1,"two",null]}}"#
        let value = try Array(text.utf8).withUnsafeBytes { try WireJSONDecoder.decode(JSONValue.self, from: $0) }
        #expect(
            value
                == .object([
                    "ts": .int(1_795_431_806_123_456_789), "ratio": .double(0.25), "big": .int(.min),
                    "nested": .object(["list": .array([.int(1), .string("two"), .null])]),
                ]))
    }

    @Test("a number past what a Double holds is refused, not turned into infinity")
    func infinity() {
        #expect(throws: (any Error).self) {
            try Array(#"{"ts":1e999}"#.utf8).withUnsafeBytes { try WireJSONDecoder.decode(JSONValue.self, from: $0) }
        }
    }

    @Test("decoding errors name the path as the wire spells it")
    func errors() throws {
        let frames: [(String, String)] = [
            (
                #"{"type":"send","channel_id":"c","client_message_id":"m","attachments":[{"url":"u","content_type":7,"size":1}]}"#,
                "attachments[0].content_type"
            ),
            (#"{"type":"react","message_id":"m"}"#, "emoji"),
            (#"{"type":"history","channel_id":"c","limit":1.5}"#, "limit"),
            (#"{"type":"read","channel_id":"c","seq":"3"}"#, "seq"),
        ]
        for (text, field) in frames {
            do {
                _ = try DecodedFrame.decode(Array(text.utf8))
                Issue.record("\(text) decoded")
            } catch {
                #expect(error.error.field == field && error.error.code == .validationFailed, "\(text): \(error.error)")
            }
        }
    }
}
