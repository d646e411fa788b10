import ChamberDomain
import ChamberStorage

extension FuzzBodies {
    /// A statement's text (after a first byte giving how many values come with it, 0–7) through the chamber scoping
    /// and PostgreSQL's numbering, each held to a plain reading of the same text: split at the quotes, the parts
    /// outside quotes hold the marks. Both must find the same `?`s and whole-word `:chamber`s, refuse an unscoped
    /// statement and a count of values that differs, and leave everything else byte for byte.
    public static func sql(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let first = bytes.first else { return }
        let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
        let values = (0..<Int(first % 8)).map { SQLValue.int(Int64($0)) }
        let chamber = ChamberID("fuzz-chamber")
        let expected = PlainSQLReading(text)

        precondition(
            Array(SQLPlaceholders.number(text).utf8) == Array(expected.numbered.utf8),
            "the numbered text differs from the plain reading for \(text.debugDescription)")
        do {
            let (scoped, binds) = try SQLPlaceholders.scope(text, binds: values, chamber: chamber)
            precondition(
                expected.chamberMarks > 0 && expected.placeholders == values.count,
                "accepting differs from the plain reading for \(text.debugDescription)")
            precondition(
                Array(scoped.utf8) == Array(expected.scoped.utf8), "the scoped text differs from the plain reading for \(text.debugDescription)")
            precondition(
                binds == expected.binds(values, chamber: chamber), "the scoped values differ from the plain reading for \(text.debugDescription)")
        } catch .unscopedQuery {
            precondition(expected.chamberMarks == 0, "refusing as unscoped differs from the plain reading for \(text.debugDescription)")
        } catch .bindCountMismatch(let placeholders, let given) {
            precondition(
                expected.chamberMarks > 0 && placeholders == expected.placeholders && given == values.count,
                "refusing for the count differs from the plain reading for \(text.debugDescription)")
        } catch {
            preconditionFailure("scoping threw \(error) for \(text.debugDescription)")
        }
    }

    /// A deliberately plain reading of a statement, by Unicode scalars and string splitting: the reference the byte
    /// walker is compared with.
    struct PlainSQLReading {
        /// Each mark outside quotes in order: true for `:chamber`, false for `?`.
        private(set) var marks: [Bool] = []
        private(set) var scoped = ""
        private(set) var numbered = ""

        var chamberMarks: Int { marks.filter { $0 }.count }
        var placeholders: Int { marks.filter { !$0 }.count }

        init(_ text: String) {
            var number = 0
            // By scalars: split by characters, a quote followed by a combining mark is one character and no quote.
            let parts = text.unicodeScalars.split(separator: "'", omittingEmptySubsequences: false)
            for (index, part) in parts.enumerated() {
                if index > 0 {
                    scoped += "'"
                    numbered += "'"
                }
                guard index.isMultiple(of: 2) else {
                    scoped.unicodeScalars.append(contentsOf: part)
                    numbered.unicodeScalars.append(contentsOf: part)
                    continue
                }
                let scalars = Array(part)
                var at = 0
                while at < scalars.count {
                    if scalars[at] == "?" {
                        marks.append(false)
                        number += 1
                        scoped += "?"
                        numbered += "$\(number)"
                        at += 1
                    } else if Self.isChamberMark(scalars, at) {
                        marks.append(true)
                        scoped += "?"
                        numbered += ":chamber"
                        at += 8
                    } else {
                        scoped.unicodeScalars.append(scalars[at])
                        numbered.unicodeScalars.append(scalars[at])
                        at += 1
                    }
                }
            }
        }

        /// `:chamber` at `at`, not right after a colon and not followed by a letter, digit, `_` or any non-ASCII
        /// scalar (a part's ends are a quote or the text's ends, neither of which continues a word).
        private static func isChamberMark(_ scalars: [Unicode.Scalar], _ at: Int) -> Bool {
            guard at + 8 <= scalars.count, String(String.UnicodeScalarView(scalars[at..<at + 8])) == ":chamber" else { return false }
            if at > 0, scalars[at - 1] == ":" { return false }
            guard at + 8 < scalars.count else { return true }
            let next = scalars[at + 8]
            return !(next == "_" || !next.isASCII || next.properties.isAlphabetic || ("0"..."9").contains(next))
        }

        /// The values a scoped statement binds: the chamber at each `:chamber`, the given values at the `?`s.
        func binds(_ values: [SQLValue], chamber: ChamberID) -> [SQLValue] {
            var given = values.makeIterator()
            return marks.compactMap { $0 ? .id(chamber) : given.next() }
        }
    }
}
