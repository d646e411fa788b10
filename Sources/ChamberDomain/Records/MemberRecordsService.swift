import Foundation

/// A chamber's members in bulk: a file of members and their businesses imported (checked row by row, written all
/// or nothing), and exported in the same columns as CSV or JSON.
///
/// Staff and admins only (`records`). An import may give only the roles the importer may give
/// (``Permissions/canAssign(_:actor:)``). People new to the server get an account with no usable password: they
/// sign in by resetting it. People the server knows are added to the chamber with their account as it is.
public final class MemberRecordsService: Sendable {
    private let store: any Store
    private let categories: [BusinessCategory]
    private let now: @Sendable () -> Date

    /// The most rows one file may hold.
    public static let maxRows = 5_000

    public init(store: any Store, categories: [BusinessCategory], now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.categories = categories
        self.now = now
    }

    // MARK: Import

    /// Checks every row of `csv`; unless `dryRun`, and only when no row has a problem, writes them all.
    public func importMembers(_ access: ChamberAccess, csv: String, dryRun: Bool) async throws -> ImportReport {
        try access.require(.create, .records)
        let scope = store.scoped(to: access.chamberID)
        let table = try CSV.records(csv)
        var problems: [ImportProblem] = []
        guard let header = table.first?.fields else {
            throw ChamberError(.validationFailed, "the file is empty; its first line names the columns", field: "file")
        }
        let headerLine = table.first?.line ?? 1
        let columns = header.map { MemberRecordColumn(rawValue: $0.trimmingCharacters(in: .whitespaces).lowercased()) }
        for (index, column) in columns.enumerated() where column == nil {
            problems.append(
                ImportProblem(
                    line: headerLine, column: header[index],
                    ChamberError(
                        .validationFailed, "unknown column; the columns are \(MemberRecordColumn.allCases.map(\.rawValue).joined(separator: ", "))")
                ))
        }
        for required in [MemberRecordColumn.email, .displayName] where !columns.contains(required) {
            problems.append(
                ImportProblem(line: headerLine, column: required.rawValue, ChamberError(.validationFailed, "the required column is missing")))
        }
        for column in Set(columns.compactMap { $0 }) where columns.filter({ $0 == column }).count > 1 {
            problems.append(ImportProblem(line: headerLine, column: column.rawValue, ChamberError(.validationFailed, "the column appears twice")))
        }
        let body = Array(table.dropFirst())
        guard body.count <= Self.maxRows else {
            throw ChamberError(.validationFailed, "a file holds at most \(Self.maxRows) members; this one has \(body.count): split it", field: "file")
        }
        guard problems.isEmpty else { return report(dryRun, rows: body.count, problems: problems) }

        let chamber = try await store.chambers.find(id: access.chamberID)
        // Retired tiers too: members still on one come back from an export with it.
        let tiers = try await scope.tiers.list(includingRetired: true)
        let context = MemberRecord.Context(
            tiersByName: Dictionary(tiers.map { ($0.name.lowercased(), $0.id) }, uniquingKeysWith: { first, _ in first }),
            categories: Set(categories.map(\.code)), actorRole: access.role)
        var records: [MemberRecord] = []
        for record in body {
            let (line, cells) = (record.line, record.fields)
            guard cells.count == columns.count else {
                problems.append(
                    ImportProblem(
                        line: line, column: nil, ChamberError(.validationFailed, "the row has \(cells.count) fields; the header has \(columns.count)")
                    ))
                continue
            }
            var named: [MemberRecordColumn: String] = [:]
            for (column, cell) in zip(columns, cells) { if let column { named[column] = cell } }
            let (record, found) = MemberRecord.read(named, line: line, context: context)
            problems += found
            if let record { records.append(record) }
        }
        problems += try await collisions(records, in: scope)
        problems += try await knownPeople(records)
        problems.sort { ($0.line ?? 0, $0.column ?? "") < ($1.line ?? 0, $1.column ?? "") }
        guard problems.isEmpty, !dryRun else { return report(dryRun, rows: body.count, problems: problems, records: records) }

        let plan = try await plan(records, chamberID: access.chamberID, policy: chamber?.settings.membership ?? .init())
        try await scope.imports.apply(plan)
        // Written: an audit entry that fails to write must not make a retry report every row as a member already.
        try? await scope.auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: "members.imported", target: nil,
                detail: "\(plan.entries.count) members with new accounts", at: now()))
        return report(dryRun, rows: body.count, problems: [], records: records, newAccounts: plan.entries.count)
    }

    /// Rows naming someone who has an account already: they join a chamber only by accepting an invitation, never by
    /// someone else's file (anyone may found a chamber and import into it).
    private func knownPeople(_ records: [MemberRecord]) async throws -> [ImportProblem] {
        var problems: [ImportProblem] = []
        for record in records where try await store.users.find(email: record.email) != nil {
            problems.append(
                ImportProblem(
                    line: record.line, column: "email",
                    ChamberError(
                        .emailTaken, "\(record.email) has an account: invite them instead (POST /v1/chambers/{chamberId}/invitations)")))
        }
        return problems
    }

    /// Rows that collide with each other or with what the chamber holds: an e-mail twice, a member already, a tax id
    /// or business name the chamber lists already.
    private func collisions(_ records: [MemberRecord], in scope: any ChamberScopedStore) async throws -> [ImportProblem] {
        var problems: [ImportProblem] = []
        let members = try await Page.collect { try await scope.members.list(page: $0) }
        let memberEmails = Set(members.map { $0.user.email.lowercased() })
        let businesses = try await Page.collect { try await scope.businesses.list(page: $0) }
        // Tax ids compare by their digits: `123456789` and `12-3456789` are one number.
        func digits(_ taxID: String) -> String { taxID.filter(\.isLetter).uppercased() + taxID.filter(\.isNumber) }
        var taxIDs = Set(businesses.compactMap(\.taxID).map(digits))
        var names = Set(businesses.map { $0.legalName.lowercased() })
        var emails: [String: Int] = [:]
        for record in records {
            let email = record.email.lowercased()
            if let first = emails[email] {
                problems.append(
                    ImportProblem(line: record.line, column: "email", ChamberError(.conflict, "the file lists \(record.email) on line \(first) too")))
            } else if memberEmails.contains(email) {
                problems.append(
                    ImportProblem(line: record.line, column: "email", ChamberError(.alreadyMember, "\(record.email) is a member already")))
            }
            emails[email] = emails[email] ?? record.line
            guard let business = record.business else { continue }
            if let taxID = business.taxID, !taxIDs.insert(digits(taxID)).inserted {
                problems.append(ImportProblem(line: record.line, column: "tax_id", ChamberError(.conflict, "another business has tax id \(taxID)")))
            }
            if !names.insert(business.legalName.lowercased()).inserted {
                problems.append(
                    ImportProblem(line: record.line, column: "legal_name", ChamberError(.conflict, "another business is named \(business.legalName)"))
                )
            }
        }
        return problems
    }

    private func plan(_ records: [MemberRecord], chamberID: ChamberID, policy: MembershipPolicy) async throws -> MemberImportPlan {
        let at = now()
        var entries: [MemberImportPlan.Entry] = []
        for record in records {
            let user = User(id: .generate(), email: record.email, displayName: record.displayName, isPlatformAdmin: false, createdAt: at)
            let userID = user.id
            let business = record.business.map { b in
                Business(
                    id: .generate(), chamberID: chamberID, ownerUserID: userID, legalName: b.legalName, displayName: b.dba, taxID: b.taxID,
                    category: b.category, address: b.address, website: b.website, phone: b.phone, email: b.email,
                    socialLinks: b.socialLinks, description: b.description, logoURL: b.logoURL, privacy: b.privacy, createdAt: at)
            }
            let standing = record.standing.map { s in
                s.status.map {
                    MembershipStanding(
                        tierID: s.tierID, status: $0, businessID: business?.id, trialEndsAt: s.trialEndsAt, paidThrough: s.paidThrough,
                        statusChangedAt: at)
                } ?? MembershipStandingService.opening(policy: policy, tierID: s.tierID, businessID: business?.id, at: at)
            }
            entries.append(
                .init(
                    user: user,
                    membership: Membership(
                        chamberID: chamberID, userID: userID, role: record.role, joinedAt: record.joinedAt ?? at, standing: standing),
                    business: business))
        }
        return MemberImportPlan(entries: entries)
    }

    private func report(
        _ dryRun: Bool, rows: Int, problems: [ImportProblem], records: [MemberRecord] = [], newAccounts: Int? = nil
    ) -> ImportReport {
        ImportReport(
            dryRun: dryRun, written: newAccounts != nil, rows: rows, newAccounts: newAccounts ?? 0, memberships: records.count,
            businesses: records.filter { $0.business != nil }.count, standings: records.filter { $0.standing != nil }.count, problems: problems)
    }

    // MARK: Export

    /// Every member of the chamber with their business and standing, in ``MemberRecordColumn`` order: the header, then
    /// one row per member, by name.
    public func export(_ access: ChamberAccess) async throws -> [[String]] {
        try access.require(.view, .records)
        let scope = store.scoped(to: access.chamberID)
        let members = try await Page.collect { try await scope.members.list(page: $0) }
        let businesses = try await Page.collect { try await scope.businesses.list(page: $0) }
        let tiers = Dictionary(try await scope.tiers.list(includingRetired: true).map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        var byOwner: [UserID: Business] = [:]
        for business in businesses {
            if let owner = business.ownerUserID, byOwner[owner] == nil { byOwner[owner] = business }
        }
        var rows = [MemberRecordColumn.allCases.map(\.rawValue)]
        for member in members {
            let standing = member.membership.standing
            let business = standing?.businessID.flatMap { id in businesses.first { $0.id == id } } ?? byOwner[member.user.id]
            let values: [MemberRecordColumn: String] = [
                .email: member.user.email, .displayName: member.user.displayName, .role: member.membership.role.rawValue,
                .joinedAt: MemberRecord.day(member.membership.joinedAt), .legalName: business?.legalName ?? "", .dba: business?.displayName ?? "",
                .taxID: business?.taxID ?? "", .category: business?.category ?? "", .phone: business?.phone ?? "",
                .businessEmail: business?.email ?? "", .website: business?.website ?? "", .description: business?.description ?? "",
                .logoURL: business?.logoURL ?? "",
                .addressLine1: business?.address.line1 ?? "", .addressLine2: business?.address.line2 ?? "", .city: business?.address.city ?? "",
                .region: business?.address.region ?? "", .postalCode: business?.address.postalCode ?? "", .country: business?.address.country ?? "",
                .tier: standing.flatMap { tiers[$0.tierID] } ?? "", .status: standing?.status.rawValue ?? "",
                .trialEndsAt: MemberRecord.day(standing?.trialEndsAt), .paidThrough: MemberRecord.day(standing?.paidThrough),
                .socialLinks: business.map { MemberRecord.pairs($0.socialLinks) } ?? "",
                .privacy: business.map { MemberRecord.pairs($0.privacy.written) } ?? "",
            ]
            rows.append(MemberRecordColumn.allCases.map { values[$0] ?? "" })
        }
        return rows
    }

}
