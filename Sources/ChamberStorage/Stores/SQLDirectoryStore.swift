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
        if let after = query.after { Self.start(after, name: "b.legal_name", createdAt: "b.created_at", id: "b.id", &conditions, &binds) }
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
            }, request: query.page
        ) { query.cursor(afterName: $0.legalName, createdAt: $0.createdAt, id: $0.id.rawValue)?.text }
    }

    /// Keeps the rows after `cursor` in its order, the order's ORDER BY read as a comparison: by `lower(name)`,
    /// `name`, `id`; or newest first by `createdAt`, then `id`.
    static func start(
        _ cursor: DirectoryCursor, name: String, createdAt: String, id: String, _ conditions: inout [String], _ binds: inout [SQLValue]
    ) {
        switch cursor.order {
        case .name:
            conditions.append("(lower(\(name)) > lower(?) OR (lower(\(name)) = lower(?) AND (\(name) > ? OR (\(name) = ? AND \(id) > ?))))")
            binds += [.text(cursor.name), .text(cursor.name), .text(cursor.name), .text(cursor.name), .text(cursor.id)]
        case .newest:
            conditions.append("(\(createdAt) < ? OR (\(createdAt) = ? AND \(id) > ?))")
            // The milliseconds as written, not through a Date: the cursor's own figure is compared.
            let created = SQLValue.int(cursor.createdAt ?? 0)
            binds += [created, created, .text(cursor.id)]
        }
    }

    func people(_ query: DirectoryQuery, listedStatuses: [MembershipStatus]) async throws -> Page<DirectoryPerson> {
        // A word starts with the term when the folded name (SearchWords), after a space, holds a space and the term:
        // the terms are folded letters and digits only (DirectoryQuery), so they hold no LIKE wildcard.
        var conditions = ["m.chamber_id = :chamber"]
        var binds: [SQLValue] = []
        let statuses = placeholders(listedStatuses.count)
        // Staff of a business share its standing: out of the directory with it.
        conditions.append(
            """
            (m.standing_status IS NULL OR m.standing_status IN (\(statuses)))
            AND (m.seat_business_id IS NULL OR NOT EXISTS (SELECT 1 FROM memberships o
                WHERE o.chamber_id = :chamber AND o.business_id = m.seat_business_id AND o.standing_status IS NOT NULL
                    AND o.standing_status NOT IN (\(statuses))))
            """)
        binds += (listedStatuses + listedStatuses).map { .text($0.rawValue) }
        // A business the member owns, or whose seat they hold, meeting `predicate`: two look-ups by index, one each.
        func withBusiness(_ predicate: String) -> String {
            """
            (EXISTS (SELECT 1 FROM businesses b WHERE b.chamber_id = :chamber AND b.owner_user_id = m.user_id AND \(predicate))
                OR EXISTS (SELECT 1 FROM businesses b WHERE b.chamber_id = :chamber AND b.id = m.seat_business_id AND \(predicate)))
            """
        }
        // A term finds the member's name, or their business by its names or by what it shows members (description,
        // address, website): the same words the business directory finds it by.
        for term in query.terms {
            conditions.append(
                "(' ' || u.search_name LIKE ? OR \(withBusiness("(' ' || b.search_names LIKE ? OR ' ' || b.search_members LIKE ?)")))")
            binds += Array(repeating: .text("% \(term)%"), count: 5)
        }
        if let category = query.category {
            conditions.append(withBusiness("b.category = ?"))
            binds += [.text(category), .text(category)]
        }
        if let after = query.after { Self.start(after, name: "u.display_name", createdAt: "m.joined_at", id: "u.id", &conditions, &binds) }
        let rows = try await sql.query(
            """
            SELECT m.user_id, m.role, m.seat_business_id, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY lower(u.display_name), u.display_name, u.id LIMIT ? OFFSET ?
            """, binds + query.page.sqlBinds)
        let fetched = try rows.map { row -> (id: UserID, role: Role, name: String, seat: BusinessID?) in
            (try row.id("user_id"), try row.value("role", as: Role.self), try row.string("display_name"), try row.optionalID("seat_business_id"))
        }
        var owned: [UserID: [DirectoryPerson.Affiliation]] = [:]
        var seated: [BusinessID: DirectoryPerson.Affiliation] = [:]
        let seats = Set(fetched.compactMap(\.seat))
        if !fetched.isEmpty {
            for row in try await sql.query(
                """
                SELECT id, legal_name, owner_user_id FROM businesses
                WHERE chamber_id = :chamber AND (owner_user_id IN (\(placeholders(fetched.count)))\(seats.isEmpty ? "" : " OR id IN (\(placeholders(seats.count)))"))
                ORDER BY lower(legal_name), id
                """, fetched.map { .id($0.id) } + seats.sorted().map { .id($0) })
            {
                let (id, name): (BusinessID, String) = (try row.id("id"), try row.string("legal_name"))
                if let owner: UserID = try row.optionalID("owner_user_id"), fetched.contains(where: { $0.id == owner }) {
                    owned[owner, default: []].append(.init(id: id, legalName: name, relation: .owner))
                }
                if seats.contains(id) { seated[id] = .init(id: id, legalName: name, relation: .staff) }
            }
        }
        return Page(
            fetched: fetched.map { person in
                DirectoryPerson(
                    userID: person.id, displayName: person.name, role: person.role,
                    businesses: (owned[person.id] ?? []) + (person.seat.flatMap { seated[$0] }.map { [$0] } ?? []))
            }, request: query.page
        ) { DirectoryCursor(order: .name, name: $0.displayName, id: $0.userID.rawValue).text }
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
