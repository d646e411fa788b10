import ChamberDomain

/// How a statement's text is rewritten on its way to a driver: a chamber scope's `:chamber` becomes a placeholder
/// bound to its chamber (``ChamberScopedSQL``), and PostgreSQL's `?` placeholders are numbered `$1, $2, …`.
///
/// Both read the text alike, so they always agree on which marks are placeholders: text in single quotes (`'…'`, a
/// doubled `''` inside included) is a literal and left alone, and `:chamber` counts only as a whole word (never the
/// start of `:chamber_id`). They run for every statement, so they walk UTF-8 bytes rather than characters: every
/// mark is ASCII, and no byte of a multi-byte character can look like one. Public so the fuzz target
/// (`Fuzz/`) can hold them to these rules.
public enum SQLPlaceholders {
    /// The chamber marker of chamber-scoped statements.
    public static let chamberMarker = ":chamber"

    /// Replaces each `:chamber` with `?` and puts the chamber among the binds at its place.
    /// - Throws: ``StorageError/unscopedQuery(_:)`` when the statement names no `:chamber` (it must not run
    ///   unfiltered), ``StorageError/bindCountMismatch(placeholders:binds:)`` when its `?`s and `binds` differ in
    ///   number.
    public static func scope(_ sql: String, binds: [SQLValue], chamber: ChamberID) throws(StorageError) -> (sql: String, binds: [SQLValue]) {
        let (text, slots) = try scopedSlots(sql, bindCounts: CollectionOfOne(binds.count))
        return (text, bound(binds, in: slots, chamber: chamber))
    }

    /// ``scope(_:binds:chamber:)`` for one statement run once per set of binds: the text is read once, and each set
    /// gets the chamber at the same places.
    public static func scope(_ sql: String, bindSets: [[SQLValue]], chamber: ChamberID) throws(StorageError) -> (sql: String, bindSets: [[SQLValue]])
    {
        let (text, slots) = try scopedSlots(sql, bindCounts: bindSets.lazy.map(\.count))
        return (text, bindSets.map { bound($0, in: slots, chamber: chamber) })
    }

    /// The scoped text, and what each of its `?`s takes in order: the chamber (nil) or the caller's bind at an index.
    private static func scopedSlots(_ sql: String, bindCounts: some Sequence<Int>) throws(StorageError) -> (String, [Int?]) {
        var output: [UInt8] = []
        output.reserveCapacity(sql.utf8.count)
        var slots: [Int?] = []
        var placeholders = 0
        walk(sql) { mark, bytes in
            switch mark {
            case .chamber:
                output.append(UInt8(ascii: "?"))
                slots.append(nil)
            case .placeholder:
                output.append(UInt8(ascii: "?"))
                slots.append(placeholders)
                placeholders += 1
            case nil:
                output.append(contentsOf: bytes)
            }
        }
        guard slots.contains(nil) else { throw .unscopedQuery(sql) }
        for count in bindCounts where count != placeholders { throw .bindCountMismatch(placeholders: placeholders, binds: count) }
        return (String(decoding: output, as: UTF8.self), slots)
    }

    private static func bound(_ binds: [SQLValue], in slots: [Int?], chamber: ChamberID) -> [SQLValue] {
        slots.map { slot in slot.map { binds[$0] } ?? .id(chamber) }
    }

    /// Numbers the `?` placeholders `$1, $2, …` (PostgreSQL's form).
    public static func number(_ sql: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(sql.utf8.count + 16)
        var index = 0
        walk(sql) { mark, bytes in
            if mark == .placeholder {
                index += 1
                output.append(UInt8(ascii: "$"))
                output.append(contentsOf: String(index).utf8)
            } else {
                // A `:chamber` left in unscoped text is no mark of this rewriting: kept as written.
                output.append(contentsOf: bytes)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The marks the walk finds outside quoted text.
    enum Mark { case placeholder, chamber }

    /// Hands `visit` the text in order: each mark alone (with its bytes), and the bytes between marks with `nil`.
    private static func walk(_ sql: String, _ visit: (Mark?, UnsafeBufferPointer<UInt8>) -> Void) {
        var text = sql
        text.withUTF8 { bytes in
            let marker = chamberMarker.utf8
            var inQuote = false
            var plainStart = 0
            var index = 0
            func emit(_ mark: Mark?, _ range: Range<Int>) {
                if !range.isEmpty { visit(mark, UnsafeBufferPointer(rebasing: bytes[range])) }
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "'") {
                    // A doubled quote inside a literal closes and reopens it: the toggle reads it right.
                    inQuote.toggle()
                } else if !inQuote, byte == UInt8(ascii: "?") {
                    emit(nil, plainStart..<index)
                    emit(.placeholder, index..<index + 1)
                    plainStart = index + 1
                } else if !inQuote, byte == UInt8(ascii: ":"), bytes[index...].starts(with: marker),
                    !isWordByte(index + marker.count < bytes.count ? bytes[index + marker.count] : nil),
                    index == 0 || bytes[index - 1] != UInt8(ascii: ":")
                {
                    // Not after another colon either: `x::chamber` would be a PostgreSQL cast to a type of that name.
                    emit(nil, plainStart..<index)
                    emit(.chamber, index..<index + marker.count)
                    index += marker.count
                    plainStart = index
                    continue
                }
                index += 1
            }
            emit(nil, plainStart..<bytes.count)
        }
    }

    /// Whether a byte continues an SQL word (so `:chamber` followed by it is a longer name, not the marker).
    private static func isWordByte(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        let lower = byte | 0x20
        return byte == UInt8(ascii: "_") || byte >= 0x80 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(lower)
    }
}
