import ChamberDomain

/// The only way chamber-scoped stores reach the database.
///
/// Every statement must name the `:chamber` parameter (as in `WHERE chamber_id = :chamber`); it is bound to
/// this scope's chamber. A statement without it throws ``StorageError/unscopedQuery(_:)`` before it runs,
/// so forgetting the tenant filter fails every test that touches the code instead of leaking data.
struct ChamberScopedSQL: Sendable {
    let executor: any SQLExecutor
    let chamberID: ChamberID
    /// How sealed columns are sealed and opened: nil in the scopes of writers that touch none (message batches,
    /// outboxes), where reaching for it throws.
    private let sealing: SealedFields?

    init(executor: any SQLExecutor, chamberID: ChamberID, fields: SealedFields? = nil) {
        self.executor = executor
        self.chamberID = chamberID
        self.sealing = fields
    }

    /// How this scope seals and opens sealed columns.
    var fields: SealedFields {
        get throws {
            guard let sealing else { throw StorageError.noSealedFields }
            return sealing
        }
    }

    static let token = ":chamber"

    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue] = []) async throws -> [SQLRow] {
        let (statement, allBinds) = try Self.bind(sql, binds, chamber: chamberID)
        return try await executor.query(statement, allBinds)
    }

    /// Runs `body` in a transaction whose statements are scoped the same way.
    func transaction<T: Sendable>(_ body: @Sendable (ChamberScopedSQL) async throws -> T) async throws -> T {
        guard let database = executor as? any SQLDatabase else { return try await body(self) }
        let (chamberID, fields) = (self.chamberID, self.sealing)
        return try await database.transaction { tx in try await body(ChamberScopedSQL(executor: tx, chamberID: chamberID, fields: fields)) }
    }

    /// Replaces each `:chamber` with a positional placeholder and inserts the chamber id among the binds in order.
    /// Runs for every statement, so it walks UTF-8 bytes (the markers are ASCII, and no byte of a multi-byte
    /// character can look like one) rather than characters.
    static func bind(_ sql: String, _ binds: [SQLValue], chamber: ChamberID) throws -> (String, [SQLValue]) {
        let marker = Array(token.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(sql.utf8.count)
        var allBinds: [SQLValue] = []
        allBinds.reserveCapacity(binds.count + 2)
        var nextBind = 0
        var scoped = false
        var text = sql
        try text.withUTF8 { bytes in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == marker[0], bytes[index...].starts(with: marker) {
                    output.append(UInt8(ascii: "?"))
                    allBinds.append(.id(chamber))
                    scoped = true
                    index += marker.count
                    continue
                }
                if byte == UInt8(ascii: "?") {
                    guard nextBind < binds.count else { throw StorageError.typeMismatch("bind \(nextBind + 1)", "a value for every '?'") }
                    allBinds.append(binds[nextBind])
                    nextBind += 1
                }
                output.append(byte)
                index += 1
            }
        }
        guard scoped else { throw StorageError.unscopedQuery(sql) }
        return (String(decoding: output, as: UTF8.self), allBinds)
    }
}
