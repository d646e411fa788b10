import ChamberDomain

/// Writes an import in one transaction: any collision (an e-mail registered meanwhile, a member added meanwhile)
/// rolls every row back.
struct SQLMemberImportStore: MemberImportStore {
    let sql: ChamberScopedSQL

    func apply(_ plan: MemberImportPlan) async throws {
        try await sql.transaction { tx in
            let users = SQLUserStore(db: tx.executor)
            let members = SQLMemberStore(sql: tx)
            let businesses = SQLBusinessStore(sql: tx)
            for entry in plan.entries {
                try await users.insert(entry.user, passwordHash: NoPassword.hash)
                if let business = entry.business { try await businesses.insert(business) }
                try await members.insert(entry.membership)
            }
        }
    }
}
