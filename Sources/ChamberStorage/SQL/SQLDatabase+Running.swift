extension SQLDatabase {
    /// Runs `body` while the database answers, outside a service group (commands, tests): PostgreSQL's pool runs
    /// for the duration; the database is closed afterwards, whether `body` succeeds or throws.
    public func whileRunning<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard let pool = self as? PostgresDatabase else {
            do {
                let result = try await body()
                try await close()
                return result
            } catch {
                try? await close()
                throw error
            }
        }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await pool.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
