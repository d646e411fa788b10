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

    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue] = []) async throws -> [SQLRow] {
        let (statement, allBinds) = try Self.bind(sql, binds, chamber: chamberID)
        return try await executor.query(statement, allBinds)
    }

    /// Runs the statement once for each set of binds (``SQLExecutor/queryEach(_:_:)``), each scoped the same way.
    @discardableResult
    func queryEach(_ sql: String, _ bindSets: [[SQLValue]]) async throws -> [SQLRow] {
        guard !bindSets.isEmpty else { return [] }
        let (statement, scoped) = try SQLPlaceholders.scope(sql, bindSets: bindSets, chamber: chamberID)
        return try await executor.queryEach(statement, scoped)
    }

    /// Runs `body` in a transaction whose statements are scoped the same way.
    func transaction<T: Sendable>(_ body: @Sendable (ChamberScopedSQL) async throws -> T) async throws -> T {
        guard let database = executor as? any SQLDatabase else { return try await body(self) }
        let (chamberID, fields) = (self.chamberID, self.sealing)
        return try await database.transaction { tx in try await body(ChamberScopedSQL(executor: tx, chamberID: chamberID, fields: fields)) }
    }

    /// Replaces each `:chamber` with a positional placeholder and inserts the chamber id among the binds in order
    /// (``SQLPlaceholders/scope(_:binds:chamber:)``).
    static func bind(_ sql: String, _ binds: [SQLValue], chamber: ChamberID) throws(StorageError) -> (String, [SQLValue]) {
        try SQLPlaceholders.scope(sql, binds: binds, chamber: chamber)
    }
}
