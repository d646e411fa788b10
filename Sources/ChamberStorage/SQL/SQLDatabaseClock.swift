import Foundation

extension SQLExecutor {
    /// The database server's wall clock as it answers (not its transaction's start), to the millisecond. Every node
    /// of a cluster reads one PostgreSQL, so this is the one clock they can all agree on; SQLite's is the host's.
    public func readClock() async throws -> Date {
        let sql =
            switch dialect {
            case .postgres: "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS t"
            case .sqlite: "SELECT CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) AS t"
            }
        guard let row = try await query(sql).first else { throw StorageError.missingColumn("t") }
        return try row.date("t")
    }
}
