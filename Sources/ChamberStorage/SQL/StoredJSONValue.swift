import ChamberDomain
import ChamberJSON

extension JSONValue {
    /// A JSON column's text read in one pass (``WireJSON``), or nil when it is not JSON this reading takes (a syntax
    /// error, nesting deeper than ``WireJSON/maxDepth``, a number no double holds): the caller falls back to
    /// Foundation's decoder, which says why.
    ///
    /// Foundation's decoder reaches a `JSONValue` only by trying each kind in turn, and a miss is a thrown error with
    /// its message written out: an object of a number and a string cost ten of them. That was 3 % of a node's CPU,
    /// in the notification fan-out's reads of messages (`perf record`, `direct` at 5,000 sends/s). The result is the
    /// same value: numbers are integers when whole and within 64 bits (`42`, `4.2e1`), doubles otherwise, as
    /// `JSONValue`'s own decoding makes them.
    init?(storedJSON text: String) {
        var text = text
        guard let wire = try? text.withUTF8({ bytes in try WireJSON.parse(UnsafeRawBufferPointer(bytes)) }) else { return nil }
        self.init(wire)
    }

    private init?(_ wire: WireJSON) {
        switch wire {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .string(let text): self = .string(text)
        case .number(let text):
            if let whole = WireJSON.integer(text, as: Int64.self) {
                self = .int(whole)
            } else if let number = Double(text), number.isFinite {
                self = .double(number)
            } else {
                return nil
            }
        case .array(let elements):
            var values: [JSONValue] = []
            values.reserveCapacity(elements.count)
            for element in elements {
                guard let value = JSONValue(element) else { return nil }
                values.append(value)
            }
            self = .array(values)
        case .object(let members):
            var object: [String: JSONValue] = [:]
            object.reserveCapacity(members.count)
            // A repeated key's first value is kept, as Foundation's decoder keeps it (our own texts never repeat one).
            for member in members {
                guard let value = JSONValue(member.value) else { return nil }
                if object[member.key] == nil { object[member.key] = value }
            }
            self = .object(object)
        }
    }
}
