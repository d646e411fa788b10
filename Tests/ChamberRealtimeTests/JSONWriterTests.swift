import ChamberJSON
import Foundation
import Testing

@Suite("JSONWriter: objects written field by field")
struct JSONWriterTests {
    @Test("nested objects, commas, numbers, sorted string maps, escapes that Foundation reads back")
    func writes() throws {
        let awkward = "Quote \"this\", a\\b, tab\t, newline\n, bell\u{7}, é 😀 </script>"
        var json = JSONWriter()
        json.object { root in
            root.field("text", awkward)
            root.object("empty") { _ in }
            root.object("nested") { nested in
                nested.field("count", -42)
                nested.field("map", ["b": "2", "a": "1"])
            }
            root.field("last", "")
        }
        let text = String(decoding: json.bytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"text":"Quote \"this\", a\\b, tab\t, newline\n, bell\u0007, é 😀 </script>","empty":{},"#))
        #expect(text.hasSuffix(#""nested":{"count":-42,"map":{"a":"1","b":"2"}},"last":""}"#))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any])
        #expect(parsed["text"] as? String == awkward)
        #expect((parsed["nested"] as? [String: Any])?["count"] as? Int == -42)
    }
}
