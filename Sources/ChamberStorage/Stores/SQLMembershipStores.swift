import ChamberDomain
import Foundation

/// A chamber's membership tiers.
struct SQLTierStore: MembershipTierStore {
    let sql: ChamberScopedSQL

    static let columns = "id, chamber_id, name, dues_cents, period, benefits, seats, active, created_at"

    static func tier(_ row: SQLRow) throws -> MembershipTier {
        guard let period = DuesPeriod(rawValue: try row.string("period")) else { throw StorageError.typeMismatch("period", "a dues period") }
        return MembershipTier(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), name: try row.string("name"), duesCents: Int(try row.int("dues_cents")),
            period: period, benefits: try row.json("benefits", as: [String].self), seats: Int(try row.int("seats")), active: try row.bool("active"),
            createdAt: try row.date("created_at"))
    }

    func list(includingRetired: Bool) async throws -> [MembershipTier] {
        try await sql.query(
            "SELECT \(Self.columns) FROM membership_tiers WHERE chamber_id = :chamber\(includingRetired ? "" : " AND active") ORDER BY dues_cents, name, id"
        ).map(Self.tier)
    }

    func find(id: TierID) async throws -> MembershipTier? {
        try await sql.query("SELECT \(Self.columns) FROM membership_tiers WHERE chamber_id = :chamber AND id = ?", [.id(id)]).first.map(Self.tier)
    }

    func insert(_ tier: MembershipTier) async throws {
        precondition(tier.chamberID == sql.chamberID, "tier of another chamber")
        do {
            try await sql.query(
                "INSERT INTO membership_tiers (\(Self.columns)) VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?)",
                [
                    .id(tier.id), .text(tier.name), .int(Int64(tier.duesCents)), .text(tier.period.rawValue), try .json(tier.benefits),
                    .int(Int64(tier.seats)), .bool(tier.active), .date(tier.createdAt),
                ])
        } catch StorageError.uniqueViolation {
            throw ChamberError(.conflict, "this chamber has a tier named '\(tier.name)' already", field: "name")
        }
    }

    func update(_ tier: MembershipTier) async throws {
        do {
            try await sql.query(
                "UPDATE membership_tiers SET name = ?, dues_cents = ?, period = ?, benefits = ?, seats = ?, active = ? WHERE chamber_id = :chamber AND id = ?",
                [
                    .text(tier.name), .int(Int64(tier.duesCents)), .text(tier.period.rawValue), try .json(tier.benefits), .int(Int64(tier.seats)),
                    .bool(tier.active), .id(tier.id),
                ])
        } catch StorageError.uniqueViolation {
            throw ChamberError(.conflict, "this chamber has a tier named '\(tier.name)' already", field: "name")
        }
    }
}

/// How applications are read and written, in and out of a chamber's scope.
enum SQLApplicationRows {
    static let columns = """
        id, chamber_id, applicant_id, status, steps, checks, score, info_request, applicant_response, decision_reason, decided_by, \
        decided_at, submitted_at, business_id, tax_id_token, legal_name_key, contact_email, created_at, updated_at, revision
        """

    /// An application read, the tax id in its steps opened.
    static func application(_ row: SQLRow, opening fields: SealedFields) throws -> MembershipApplication {
        guard let status = ApplicationStatus(rawValue: try row.string("status")) else {
            throw StorageError.typeMismatch("status", "an application status")
        }
        let id: ApplicationID = try row.id("id")
        return MembershipApplication(
            id: id, chamberID: try row.id("chamber_id"), applicantID: try row.id("applicant_id"), status: status,
            steps: try fields.openedSteps(try row.json("steps", as: ApplicationSteps.self), of: id),
            checks: try row.json("checks", as: [ApplicationCheck].self),
            score: try row.optionalInt("score").map(Int.init), infoRequest: try row.optionalString("info_request"),
            applicantResponse: try row.optionalString("applicant_response"), decisionReason: try row.optionalString("decision_reason"),
            decidedBy: try row.optionalID("decided_by"), decidedAt: try row.optionalDate("decided_at"),
            submittedAt: try row.optionalDate("submitted_at"), businessID: try row.optionalID("business_id"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"), revision: Int(try row.int("revision")))
    }

    /// Every column after `chamber_id` and `applicant_id`, in ``columns``' order, but `created_at`: the tax id in
    /// the steps sealed, and its lookup token beside them.
    static func binds(_ a: MembershipApplication, sealing fields: SealedFields) throws -> [SQLValue] {
        [
            .text(a.status.rawValue), try .json(try fields.sealedSteps(a.steps, of: a.id)), try .json(a.checks),
            a.score.map { .int(Int64($0)) } ?? .null, .text(a.infoRequest), .text(a.applicantResponse), .text(a.decisionReason),
            .id(a.decidedBy), .date(a.decidedAt), .date(a.submittedAt), .id(a.businessID), .text(fields.taxIDToken(a.steps.tax?.ein)),
            .text(a.steps.business.map { nameKey($0.legalName) }), .text(a.steps.contact?.email),
        ]
    }

    /// Names compared without case or surrounding space.
    static func nameKey(_ name: String) -> String { name.trimmingCharacters(in: .whitespaces).lowercased() }
}

/// A chamber's applications: the review queue.
struct SQLApplicationStore: MembershipApplicationStore {
    let sql: ChamberScopedSQL

    func insert(_ application: MembershipApplication) async throws {
        precondition(application.chamberID == sql.chamberID, "application of another chamber")
        do {
            try await sql.query(
                "INSERT INTO membership_applications (\(SQLApplicationRows.columns)) VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [.id(application.id), .id(application.applicantID)] + (try SQLApplicationRows.binds(application, sealing: try sql.fields))
                    + [.date(application.createdAt), .date(application.updatedAt), .int(Int64(application.revision))])
        } catch StorageError.uniqueViolation {
            throw ChamberError(.applicationStateConflict, "you have an open application to this chamber already")
        }
    }

    func find(id: ApplicationID) async throws -> MembershipApplication? {
        let fields = try sql.fields
        return try await sql.query(
            "SELECT \(SQLApplicationRows.columns) FROM membership_applications WHERE chamber_id = :chamber AND id = ?", [.id(id)]
        ).first.map { try SQLApplicationRows.application($0, opening: fields) }
    }

    func list(status: ApplicationStatus, page: PageRequest) async throws -> Page<MembershipApplication> {
        let rows = try await sql.query(
            """
            SELECT \(SQLApplicationRows.columns) FROM membership_applications
            WHERE chamber_id = :chamber AND status = ? AND submitted_at IS NOT NULL
            ORDER BY submitted_at, id LIMIT ? OFFSET ?
            """,
            [.text(status.rawValue)] + page.sqlBinds)
        let fields = try sql.fields
        return Page(fetched: try rows.map { try SQLApplicationRows.application($0, opening: fields) }, request: page)
    }

    func update(_ application: MembershipApplication) async throws -> Bool {
        try await Self.update(application, in: sql)
    }

    private static func update(_ application: MembershipApplication, in sql: ChamberScopedSQL) async throws -> Bool {
        !(try await sql.query(
            """
            UPDATE membership_applications SET status = ?, steps = ?, checks = ?, score = ?, info_request = ?, applicant_response = ?,
                decision_reason = ?, decided_by = ?, decided_at = ?, submitted_at = ?, business_id = ?, tax_id_token = ?, legal_name_key = ?,
                contact_email = ?, updated_at = ?, revision = revision + 1
            WHERE chamber_id = :chamber AND id = ? AND revision = ? RETURNING id
            """,
            (try SQLApplicationRows.binds(application, sealing: try sql.fields)) + [
                .date(application.updatedAt), .id(application.id), .int(Int64(application.revision)),
            ]
        ).isEmpty)
    }

    func evidence(for application: MembershipApplication) async throws -> ApplicationEvidence {
        var evidence = ApplicationEvidence()
        let others = "status IN ('submitted', 'info_requested', 'approved') AND id <> ?"
        if let ein = application.steps.tax?.ein, case let tokens = try sql.fields.taxIDTokens(ein), !tokens.isEmpty {
            // Found by token under every configured key: rows not yet sealed again after a key change still match.
            let anyToken = "tax_id_token IN (\(Array(repeating: "?", count: tokens.count).joined(separator: ", ")))"
            let binds = tokens.map(SQLValue.text)
            evidence.taxIDHolders =
                try await sql.query(
                    "SELECT legal_name FROM businesses WHERE chamber_id = :chamber AND \(anyToken) ORDER BY legal_name", binds
                ).map { "business \(try $0.string("legal_name"))" }
                + (try await sql.query(
                    "SELECT id FROM membership_applications WHERE chamber_id = :chamber AND \(anyToken) AND \(others) ORDER BY id",
                    binds + [.id(application.id)]
                ).map { "application \(try $0.string("id"))" })
        }
        if let name = application.steps.business?.legalName {
            let key = SQLApplicationRows.nameKey(name)
            evidence.nameHolders =
                try await sql.query(
                    "SELECT legal_name FROM businesses WHERE chamber_id = :chamber AND (lower(legal_name) = ? OR lower(display_name) = ?) ORDER BY legal_name",
                    [.text(key), .text(key)]
                ).map { "business \(try $0.string("legal_name"))" }
                + (try await sql.query(
                    "SELECT id FROM membership_applications WHERE chamber_id = :chamber AND legal_name_key = ? AND \(others) ORDER BY id",
                    [.text(key), .id(application.id)]
                ).map { "application \(try $0.string("id"))" })
        }
        if let email = application.steps.contact?.email {
            evidence.emailHolders =
                try await sql.query(
                    "SELECT legal_name FROM businesses WHERE chamber_id = :chamber AND lower(email) = ? ORDER BY legal_name", [.text(email)]
                ).map { "business \(try $0.string("legal_name"))" }
                + (try await sql.query(
                    "SELECT id FROM membership_applications WHERE chamber_id = :chamber AND contact_email = ? AND \(others) ORDER BY id",
                    [.text(email), .id(application.id)]
                ).map { "application \(try $0.string("id"))" })
                // A member already signs in with it: another person's address, or the applicant's second account.
                + (try await sql.query(
                    """
                    SELECT u.display_name FROM memberships m JOIN users u ON u.id = m.user_id
                    WHERE m.chamber_id = :chamber AND u.email = ? AND m.user_id <> ? ORDER BY u.display_name
                    """, [.text(email), .id(application.applicantID)]
                ).map { "member \(try $0.string("display_name"))" })
        }
        return evidence
    }

    func approve(_ application: MembershipApplication, membership: Membership, business: Business) async throws -> Bool {
        try await sql.transaction { tx in
            guard try await Self.update(application, in: tx) else { return false }
            try await SQLMemberStore(sql: tx).insert(membership)
            try await SQLBusinessStore(sql: tx).insert(business)
            return true
        }
    }
}

/// Applications found by id or applicant, whatever their chamber: the applicant's own view.
struct SQLApplicantApplicationStore: ApplicantApplicationStore {
    let db: any SQLDatabase
    let fields: SealedFields

    func find(id: ApplicationID) async throws -> MembershipApplication? {
        try await db.query("SELECT \(SQLApplicationRows.columns) FROM membership_applications WHERE id = ?", [.id(id)]).first.map {
            try SQLApplicationRows.application($0, opening: fields)
        }
    }

    func list(applicant: UserID) async throws -> [MembershipApplication] {
        try await db.query(
            "SELECT \(SQLApplicationRows.columns) FROM membership_applications WHERE applicant_id = ? ORDER BY created_at DESC, id LIMIT 100",
            [.id(applicant)]
        ).map { try SQLApplicationRows.application($0, opening: fields) }
    }
}
