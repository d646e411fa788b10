import ChamberDomain
import Foundation

/// Directory search: SQLite's FTS5 table `business_search` (kept by triggers), or PostgreSQL's `tsvector` columns
/// with GIN indexes. Each audience searches its own text, which holds only the fields it may read.
struct SQLDirectoryStore: DirectoryStore {
    let sql: ChamberScopedSQL

    func revision() async throws -> Int64 {
        // One statement, so compaction (which moves rows into the chamber's figure) is seen whole or not at all.
        let rows = try await sql.query(
            """
            SELECT \(SQLChamberStore.directoryRevision) AS revision FROM chambers c WHERE c.id = :chamber
            """, [])
        return try rows.first?.int("revision") ?? 0
    }

    func search(_ query: DirectoryQuery, in scope: DirectorySearchScope, listedStatuses: [MembershipStatus]) async throws -> Page<Business> {
        let columns = SQLBusinessStore.columns(of: "b")
        var binds: [SQLValue] = []
        var from = "businesses b"
        var conditions = ["b.chamber_id = :chamber"]
        var rank: String?
        if !query.terms.isEmpty {
            switch sql.executor.dialect {
            case .sqlite:
                // Each term a quoted prefix (the terms hold letters and digits only), in the audience's columns.
                from = "business_search JOIN businesses b ON b.id = business_search.business_id"
                conditions.append("business_search MATCH ?")
                let columns = ["search_names"] + (scope.audience.map { [Self.column($0)] } ?? [])
                binds.append(.text("{\(columns.joined(separator: " "))} : (\(query.terms.map { "\"\($0)\"*" }.joined(separator: " AND ")))"))
                rank = "bm25(business_search, 0.0, 10.0, 1.0, 1.0, 1.0)"
            case .postgres:
                let tsquery = "to_tsquery('simple', ?)"
                binds.append(.text(query.terms.map { "\($0):*" }.joined(separator: " & ")))
                switch scope {
                case .namesAndFields(let audience):
                    let vector = "b.search_vector_\(audience.rawValue)"
                    conditions.append("\(vector) @@ \(tsquery)")
                    rank = "-ts_rank(\(vector), \(tsquery))"
                case .names:
                    // Every audience's vector holds the names: its index narrows, the names decide.
                    let names = "to_tsvector('simple', b.search_names)"
                    conditions.append("b.search_vector_public @@ \(tsquery) AND \(names) @@ \(tsquery)")
                    binds.append(binds[0])
                    rank = "-ts_rank(\(names), \(tsquery))"
                }
            }
        }
        // Listed: a business without an owner (staff's listing); one whose owner is a member without a standing (by
        // invitation); one whose owner's standing allows it. An owner who left takes the listing with them, so
        // leaving cannot bring back a lapsed member's listing.
        from += " LEFT JOIN memberships m ON m.chamber_id = b.chamber_id AND m.user_id = b.owner_user_id"
        let statuses = placeholders(listedStatuses.count)
        conditions.append(
            "(b.owner_user_id IS NULL OR (m.user_id IS NOT NULL AND (m.standing_status IS NULL OR m.standing_status IN (\(statuses)))))")
        binds += listedStatuses.map { .text($0.rawValue) }
        if let category = query.category {
            conditions.append("b.category = ?")
            binds.append(.text(category))
        }
        let byName = "lower(b.legal_name), b.legal_name, b.id"
        var order = query.sort == .newest ? "b.created_at DESC, b.id" : byName
        var rankBinds: [SQLValue] = []
        if query.sort == .relevance, let rank {
            order = "\(rank), \(byName)"
            if sql.executor.dialect == .postgres { rankBinds = [binds[0]] }
        }
        let rows = try await sql.query(
            "SELECT \(columns) FROM \(from) WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(order) LIMIT ? OFFSET ?",
            binds + rankBinds + query.page.sqlBinds)
        let fields = try sql.fields
        // A listing whose tax id does not open (its key gone) is found without it: the directory never needs it to
        // answer, and one such row must not take every search of the chamber down with it.
        return Page(
            fetched: try rows.map { row in
                try (try? SQLBusinessStore.business(row, opening: fields)) ?? SQLBusinessStore.business(row, opening: nil)
            }, request: query.page)
    }

    func people(terms: [String], listedStatuses: [MembershipStatus], page: PageRequest) async throws -> Page<DirectoryPerson> {
        // A word starts with the term when the folded name (SearchWords), after a space, holds a space and the term:
        // the terms are folded letters and digits only (DirectoryQuery), so they hold no LIKE wildcard.
        var conditions = ["m.chamber_id = :chamber"]
        var binds: [SQLValue] = []
        let statuses = placeholders(listedStatuses.count)
        conditions.append("(m.standing_status IS NULL OR m.standing_status IN (\(statuses)))")
        binds += listedStatuses.map { .text($0.rawValue) }
        for term in terms {
            conditions.append(
                """
                (' ' || u.search_name LIKE ? OR EXISTS (SELECT 1 FROM businesses b
                    WHERE b.chamber_id = :chamber AND b.owner_user_id = m.user_id AND ' ' || b.search_names LIKE ?))
                """)
            binds += [.text("% \(term)%"), .text("% \(term)%")]
        }
        let rows = try await sql.query(
            """
            SELECT m.user_id, m.role, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY lower(u.display_name), u.display_name, u.id LIMIT ? OFFSET ?
            """, binds + page.sqlBinds)
        let fetched = try rows.map { row -> (UserID, Role, String) in
            let role = try row.value("role", as: Role.self)
            return (try row.id("user_id"), role, try row.string("display_name"))
        }
        var owned: [UserID: [DirectoryPerson.OwnedBusiness]] = [:]
        if !fetched.isEmpty {
            let owners = placeholders(fetched.count)
            for row in try await sql.query(
                """
                SELECT id, legal_name, owner_user_id FROM businesses WHERE chamber_id = :chamber AND owner_user_id IN (\(owners))
                ORDER BY lower(legal_name), id
                """, fetched.map { .id($0.0) })
            {
                owned[try row.id("owner_user_id"), default: []].append(.init(id: try row.id("id"), legalName: try row.string("legal_name")))
            }
        }
        return Page(
            fetched: fetched.map { DirectoryPerson(userID: $0.0, displayName: $0.2, role: $0.1, businesses: owned[$0.0] ?? []) }, request: page)
    }

    /// The FTS5 column that holds what `audience` may search.
    static func column(_ audience: DirectoryAudience) -> String {
        switch audience {
        case .public: "search_public"
        case .members: "search_members"
        case .staff: "search_staff"
        }
    }
}
