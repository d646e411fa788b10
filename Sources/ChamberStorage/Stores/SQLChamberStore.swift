import ChamberDomain
import Foundation

/// The tenant table itself. Membership writes here go through ``ChamberScopedSQL`` like every other chamber-owned row.
struct SQLChamberStore: ChamberStore {
    let db: any SQLDatabase

    static let columnNames = ["id", "name", "slug", "settings", "branding", "created_at"]
    static let columns = columnNames.joined(separator: ", ")
    /// A chamber's directory revision, of `chambers c`: its folded figure and its changes not folded yet.
    static let directoryRevision = "c.directory_revision + (SELECT count(*) FROM directory_changes d WHERE d.chamber_id = c.id)"

    static func chamber(_ row: SQLRow, prefix: String = "") throws -> Chamber {
        Chamber(
            id: try row.id(prefix + "id"), name: try row.string(prefix + "name"), slug: try row.string(prefix + "slug"),
            settings: try row.json(prefix + "settings", as: ChamberSettings.self),
            branding: try row.json(prefix + "branding", as: ChamberBranding.self),
            createdAt: try row.date(prefix + "created_at"))
    }

    func create(_ chamber: Chamber, founder: Membership) async throws {
        do {
            try await db.transaction { tx in
                try await tx.query(
                    "INSERT INTO chambers (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        .id(chamber.id), .text(chamber.name), .text(chamber.slug), try .json(chamber.settings), try .json(chamber.branding),
                        .date(chamber.createdAt),
                    ])
                try await ChamberScopedSQL(executor: tx, chamberID: chamber.id).query(
                    "INSERT INTO memberships (chamber_id, user_id, role, joined_at) VALUES (:chamber, ?, ?, ?)",
                    [.id(founder.userID), .text(founder.role.rawValue), .date(founder.joinedAt)])
            }
        } catch StorageError.uniqueViolation {
            throw ChamberError(.slugTaken, "a chamber with slug '\(chamber.slug)' exists already", field: "slug")
        }
    }

    func find(id: ChamberID) async throws -> Chamber? {
        try await db.query("SELECT \(Self.columns) FROM chambers WHERE id = ?", [.id(id)]).first.map { try Self.chamber($0) }
    }

    func find(slug: String) async throws -> Chamber? {
        try await db.query("SELECT \(Self.columns) FROM chambers WHERE slug = ?", [.text(slug)]).first.map { try Self.chamber($0) }
    }

    func findWithDirectoryRevision(id: ChamberID) async throws -> (chamber: Chamber, directoryRevision: Int64)? {
        try await findWithDirectoryRevision(where: "c.id = ?", .id(id))
    }

    func findWithDirectoryRevision(slug: String) async throws -> (chamber: Chamber, directoryRevision: Int64)? {
        try await findWithDirectoryRevision(where: "c.slug = ?", .text(slug))
    }

    /// One statement, so a compaction (which moves noted changes into the chamber's figure) is seen whole or not at
    /// all: the same reading as ``SQLDirectoryStore/revision()``.
    private func findWithDirectoryRevision(where condition: String, _ bind: SQLValue) async throws -> (chamber: Chamber, directoryRevision: Int64)? {
        let rows = try await db.query(
            """
            SELECT \(columnList(Self.columnNames, of: "c")), \(Self.directoryRevision) AS revision
            FROM chambers c WHERE \(condition)
            """, [bind])
        return try rows.first.map { (try Self.chamber($0), try $0.int("revision")) }
    }

    func reindexSearchTexts(limit: Int) async throws -> Int {
        let version = SQLValue.int(Int64(SearchWords.version))
        var written = 0
        for row in try await db.query(
            "SELECT \(SQLBusinessStore.columns) FROM businesses WHERE search_version < ? LIMIT ?", [version, .int(Int64(limit))])
        {
            let business = try SQLBusinessStore.business(row, opening: nil)
            let search = DirectoryListing.searchText(business)
            // Written only over the reading it was made from: an edit since has written current texts of its own.
            written +=
                try await db.query(
                    """
                    UPDATE businesses SET search_names = ?, search_public = ?, search_members = ?, search_staff = ?, search_version = ?
                    WHERE id = ? AND revision = ? AND search_version < ? RETURNING id
                    """,
                    [
                        .text(search.names), .text(search.publicText), .text(search.membersText), .text(search.staffText), version,
                        .id(business.id), .int(Int64(business.revision)), version,
                    ]
                ).count
        }
        for row in try await db.query("SELECT id, display_name FROM users WHERE search_version < ? LIMIT ?", [version, .int(Int64(limit))]) {
            let name = try row.string("display_name")
            written +=
                try await db.query(
                    "UPDATE users SET search_name = ?, search_version = ? WHERE id = ? AND display_name = ? AND search_version < ? RETURNING id",
                    [.text(SearchWords.text(name)), version, .text(try row.string("id")), .text(name), version]
                ).count
        }
        return written
    }

    func update(_ chamber: Chamber) async throws {
        try await db.query(
            "UPDATE chambers SET name = ?, settings = ?, branding = ? WHERE id = ?",
            [.text(chamber.name), try .json(chamber.settings), try .json(chamber.branding), .id(chamber.id)])
    }

    func list(page: PageRequest) async throws -> Page<Chamber> {
        let rows = try await db.query("SELECT \(Self.columns) FROM chambers ORDER BY created_at, id LIMIT ? OFFSET ?", page.sqlBinds)
        return Page(fetched: try rows.map { try Self.chamber($0) }, request: page)
    }

    func compactDirectoryChanges() async throws -> Int {
        switch db.dialect {
        case .postgres:
            // One statement: a reader sees the rows and the sums either all before or all after it.
            let rows = try await db.query(
                """
                WITH folded AS (DELETE FROM directory_changes RETURNING chamber_id),
                    counts AS (SELECT chamber_id, count(*) AS changes FROM folded GROUP BY chamber_id)
                UPDATE chambers SET directory_revision = directory_revision + counts.changes FROM counts WHERE chambers.id = counts.chamber_id
                RETURNING counts.changes
                """, [])
            return try rows.reduce(0) { $0 + Int(try $1.int("changes")) }
        case .sqlite:
            return try await db.transaction { tx in
                let changes = Int(try await tx.query("SELECT count(*) AS changes FROM directory_changes", []).first?.int("changes") ?? 0)
                guard changes > 0 else { return 0 }
                try await tx.query(
                    """
                    UPDATE chambers SET directory_revision = directory_revision
                        + (SELECT count(*) FROM directory_changes WHERE directory_changes.chamber_id = chambers.id)
                    WHERE id IN (SELECT chamber_id FROM directory_changes)
                    """, [])
                try await tx.query("DELETE FROM directory_changes", [])
                return changes
            }
        }
    }

    func memberships(of user: UserID) async throws -> [(chamber: Chamber, role: Role)] {
        let rows = try await db.query(
            """
            SELECT c.id, c.name, c.slug, c.settings, c.branding, c.created_at, m.role
            FROM memberships m JOIN chambers c ON c.id = m.chamber_id
            WHERE m.user_id = ? ORDER BY lower(c.name), c.name, c.id
            """, [.id(user)])
        return try rows.map { row in (try Self.chamber(row), Role(rawValue: try row.string("role")) ?? .guest) }
    }

    /// The chamber's `settings.security.two_factor_required_for`, read in SQL (a column of the row aliased `alias`).
    static func twoFactorRequirement(of alias: String, in dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite: "json_extract(\(alias).settings, '$.security.twoFactorRequiredFor')"
        case .postgres: "(\(alias).settings::json -> 'security' ->> 'twoFactorRequiredFor')"
        }
    }

    /// The provider a chamber's admins must sign in through, read from its settings (NULL: any way).
    static func adminSignInProvider(of alias: String, in dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite: "json_extract(\(alias).settings, '$.security.adminSignInProvider')"
        case .postgres: "(\(alias).settings::json -> 'security' ->> 'adminSignInProvider')"
        }
    }

    /// Reads what ``twoFactorRequirement(of:in:)`` selected: none when the settings predate the rule; a value this
    /// build does not know requires everyone (a rule is never dropped by reading it wrong).
    static func twoFactorRequirement(_ row: SQLRow, _ column: String) throws -> TwoFactorRequirement {
        try row.optionalString(column).map { TwoFactorRequirement(rawValue: $0) ?? .everyone } ?? .nobody
    }
}
