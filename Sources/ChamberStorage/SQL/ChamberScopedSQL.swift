import ChamberDomain

/// The only way chamber-scoped stores reach the database.
///
/// Every statement must name the `:chamber` parameter (as in `WHERE chamber_id = :chamber`); it is bound to
/// this scope's chamber. A statement without it throws ``StorageError/unscopedQuery(_:)`` before it runs,
/// so forgetting the tenant filter fails every test that touches the code instead of leaking data.
struct ChamberScopedSQL: Sendable {
    let executor: any SQLExecutor
    let chamberID: ChamberID

    static let token = ":chamber"

    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue] = []) async throws -> [SQLRow] {
        let (statement, allBinds) = try Self.bind(sql, binds, chamber: chamberID)
        return try await executor.query(statement, allBinds)
    }

    /// Runs `body` in a transaction whose statements are scoped the same way.
    func transaction<T: Sendable>(_ body: @Sendable (ChamberScopedSQL) async throws -> T) async throws -> T {
        guard let database = executor as? any SQLDatabase else { return try await body(self) }
        let chamberID = self.chamberID
        return try await database.transaction { tx in try await body(ChamberScopedSQL(executor: tx, chamberID: chamberID)) }
    }

    /// Replaces each `:chamber` with a positional placeholder and inserts the chamber id among the binds in order.
    static func bind(_ sql: String, _ binds: [SQLValue], chamber: ChamberID) throws -> (String, [SQLValue]) {
        var output = ""
        var allBinds: [SQLValue] = []
        var nextBind = 0
        var scoped = false
        var rest = Substring(sql)
        while let character = rest.first {
            if rest.hasPrefix(token) {
                output += "?"
                allBinds.append(.id(chamber))
                scoped = true
                rest = rest.dropFirst(token.count)
                continue
            }
            if character == "?" {
                guard nextBind < binds.count else { throw StorageError.typeMismatch("bind \(nextBind + 1)", "a value for every '?'") }
                allBinds.append(binds[nextBind])
                nextBind += 1
            }
            output.append(character)
            rest = rest.dropFirst()
        }
        guard scoped else { throw StorageError.unscopedQuery(sql) }
        return (output, allBinds)
    }
}
