import ChamberDomain
import Foundation

/// One chamber's stores. They hold only a ``ChamberScopedSQL``, never the raw database.
struct SQLChamberScope: ChamberScopedStore {
    let sql: ChamberScopedSQL
    let messageWriter: GroupCommit<Message, AppendOutcome>

    var chamberID: ChamberID { sql.chamberID }
    var members: any MemberStore { SQLMemberStore(sql: sql) }
    var invitations: any InvitationStore { SQLInvitationStore(sql: sql) }
    var businesses: any BusinessStore { SQLBusinessStore(sql: sql) }
    var auditLog: any AuditLogStore { SQLAuditLogStore(sql: sql) }
    var chat: ChatStores { ChatStores(channels: SQLChannelStore(sql: sql), messages: SQLMessageStore(sql: sql, writer: messageWriter)) }
    var moderation: any ModerationStore { SQLModerationStore(sql: sql) }
    var notificationSettings: any NotificationSettingsStore { SQLNotificationSettingsStore(sql: sql) }
    var notificationFeed: any NotificationFeedStore { SQLNotificationFeedStore(sql: sql) }
    var tiers: any MembershipTierStore { SQLTierStore(sql: sql) }
    var applications: any MembershipApplicationStore { SQLApplicationStore(sql: sql) }
    var standings: any MembershipStandingStore { SQLStandingStore(sql: sql) }
    var seats: any BusinessSeatStore { SQLBusinessSeatStore(sql: sql) }
    var directory: any DirectoryStore { SQLDirectoryStore(sql: sql) }
    var imports: any MemberImportStore { SQLMemberImportStore(sql: sql) }
    var engagement: any EngagementStore { SQLEngagementStore(sql: sql) }
    var events: any EventStore { SQLEventStore(sql: sql) }
    var invoices: any InvoiceStore { SQLInvoiceStore(sql: sql) }
    var webhooks: any WebhookEndpointStore { SQLWebhookStore(sql: sql) }
    var savedCards: any SavedCardStore { SQLSavedCardStore(sql: sql) }
    var personalData: any PersonalDataStore { SQLPersonalDataStore(sql: sql) }
    var dataExports: any DataExportStore { SQLDataExportStore(sql: sql) }
    var retention: any RetentionStore { SQLRetentionStore(sql: sql) }
}

struct SQLMemberStore: MemberStore {
    let sql: ChamberScopedSQL

    /// What ``member(_:)`` reads, of `memberships m JOIN users u`.
    static let columns = """
        m.chamber_id, m.user_id, m.role, m.joined_at, m.seat_business_id, \(SQLStandingStore.columns),
            u.id, u.email, u.display_name, u.is_platform_admin, u.created_at
        """
    static let from = "memberships m JOIN users u ON u.id = m.user_id"
    static let select = "SELECT \(columns) FROM \(from)"

    static func member(_ row: SQLRow) throws -> Member {
        let role = try row.value("role", as: Role.self)
        return Member(
            membership: Membership(
                chamberID: try row.id("chamber_id"), userID: try row.id("user_id"), role: role, joinedAt: try row.date("joined_at"),
                standing: try SQLStandingStore.standing(row), businessSeat: try row.optionalID("seat_business_id")),
            user: try SQLUserStore.user(row))
    }

    func find(userID: UserID) async throws -> Member? {
        try await sql.query("\(Self.select) WHERE m.chamber_id = :chamber AND m.user_id = ?", [.id(userID)]).first.map(Self.member)
    }

    func findAdmission(userID: UserID, at date: Date) async throws -> Admission? {
        let requirement = SQLChamberStore.twoFactorRequirement(of: "ch", in: sql.executor.dialect)
        let provider = SQLChamberStore.adminSignInProvider(of: "ch", in: sql.executor.dialect)
        let rows = try await sql.query(
            """
            SELECT \(Self.columns), \(columnList(SQLModerationStore.sanctionColumnNames, of: "s", prefixed: "ban_")),
                \(requirement) AS two_factor_required_for, \(provider) AS admin_sign_in_provider,
                (SELECT o.standing_status FROM memberships o JOIN membership_tiers t ON t.chamber_id = o.chamber_id AND t.id = o.tier_id
                    WHERE o.chamber_id = m.chamber_id AND o.business_id = m.seat_business_id AND o.standing_status IS NOT NULL
                    ORDER BY o.joined_at, o.user_id LIMIT 1) AS seat_standing_status
            FROM \(Self.from)
            JOIN chambers ch ON ch.id = m.chamber_id
            LEFT JOIN sanctions s ON s.chamber_id = m.chamber_id AND s.user_id = m.user_id AND s.kind = 'ban'
                AND s.lifted_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > ?)
            WHERE m.chamber_id = :chamber AND m.user_id = ?
            ORDER BY s.created_at DESC LIMIT 1
            """, [.date(date), .id(userID)])
        return try rows.first.map { row in
            let member = try Self.member(row)
            let seatStanding = try row.optionalString("seat_standing_status").flatMap(MembershipStatus.init(rawValue:))
            return Admission(
                member: member, ban: try row.optionalString("ban_id") == nil ? nil : try SQLModerationStore.sanction(row, prefix: "ban_"),
                security: SecurityPolicy(
                    twoFactorRequiredFor: try SQLChamberStore.twoFactorRequirement(row, "two_factor_required_for"),
                    adminSignInProvider: try row.optionalString("admin_sign_in_provider")),
                standing: member.membership.standing?.status ?? seatStanding)
        }
    }

    func list(page: PageRequest) async throws -> Page<Member> {
        let rows = try await sql.query(
            "\(Self.select) WHERE m.chamber_id = :chamber ORDER BY lower(u.display_name), u.display_name, u.id LIMIT ? OFFSET ?", page.sqlBinds)
        return Page(fetched: try rows.map(Self.member), request: page)
    }

    func userIDs() async throws -> [UserID] {
        try await sql.query("SELECT user_id FROM memberships WHERE chamber_id = :chamber").map { try $0.id("user_id") }
    }

    func insert(_ membership: Membership) async throws {
        precondition(membership.chamberID == sql.chamberID, "membership of another chamber")
        do {
            let standing = membership.standing
            try await sql.query(
                """
                INSERT INTO memberships (chamber_id, user_id, role, joined_at, seat_business_id, standing_status, tier_id, business_id,
                    trial_ends_at, period_start, paid_through, status_changed_at)
                VALUES (:chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .id(membership.userID), .text(membership.role.rawValue), .date(membership.joinedAt), .id(membership.businessSeat),
                    .text(standing?.status.rawValue), .id(standing?.tierID), .id(standing?.businessID), .date(standing?.trialEndsAt),
                    .date(standing?.periodStart),
                    .date(standing?.paidThrough), .date(standing?.statusChangedAt),
                ])
        } catch StorageError.uniqueViolation {
            throw ChamberError(.alreadyMember, "this user is a member already")
        }
    }

    func changeRole(userID: UserID, to role: Role) async throws {
        try await sql.transaction { tx in
            if role != .admin { try await Self.requireAnotherAdmin(tx, besides: userID) }
            let changed = try await tx.query(
                "UPDATE memberships SET role = ? WHERE chamber_id = :chamber AND user_id = ? RETURNING user_id", [.text(role.rawValue), .id(userID)])
            guard !changed.isEmpty else { throw ChamberError(.memberNotFound, "no member \(userID) in this chamber") }
        }
    }

    func remove(userID: UserID) async throws -> Bool {
        try await sql.transaction { tx in
            // The seats of a business whose membership the member holds are held first (as every seat change holds
            // them), so none is given while they are freed below.
            try await SQLBusinessSeatStore.hold(businessesHeldBy: userID, in: tx)
            try await Self.requireAnotherAdmin(tx, besides: userID)
            // Leaving the chamber is leaving all of its channels, and freeing the seats of a business whose membership
            // the member held.
            try await tx.query("DELETE FROM channel_members WHERE chamber_id = :chamber AND user_id = ?", [.id(userID)])
            try await SQLBusinessSeatStore.freeSeats(heldBy: userID, in: tx)
            return
                !(try await tx.query("DELETE FROM memberships WHERE chamber_id = :chamber AND user_id = ? RETURNING user_id", [.id(userID)]).isEmpty)
        }
    }

    func userIDs(withRoles roles: [Role]) async throws -> [UserID] {
        guard !roles.isEmpty else { return [] }
        return try await sql.query(
            "SELECT user_id FROM memberships WHERE chamber_id = :chamber AND role IN (\(roles.map { _ in "?" }.joined(separator: ", ")))",
            roles.map { .text($0.rawValue) }
        ).map { try $0.id("user_id") }
    }

    func count() async throws -> Int {
        Int(try await sql.query("SELECT COUNT(*) AS n FROM memberships WHERE chamber_id = :chamber").first?.int("n") ?? 0)
    }

    /// Refuses a change that would leave the chamber with no admin, when `userID` is an admin.
    private static func requireAnotherAdmin(_ tx: ChamberScopedSQL, besides userID: UserID) async throws {
        // On PostgreSQL the admins' rows are locked, so two concurrent demotions cannot both see "another admin left".
        let lock = tx.executor.dialect == .postgres ? " FOR UPDATE" : ""
        let rows = try await tx.query("SELECT user_id FROM memberships WHERE chamber_id = :chamber AND role = 'admin'" + lock)
        let admins = try rows.map { try $0.string("user_id") }
        if admins == [userID.rawValue] {
            throw ChamberError(.lastAdmin, "the chamber would have no admin left; make someone else admin first")
        }
    }
}

struct SQLInvitationStore: InvitationStore {
    let sql: ChamberScopedSQL

    static let columns = "id, chamber_id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at, business_id"

    static func invitation(_ row: SQLRow) throws -> Invitation {
        Invitation(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), email: try row.string("email"),
            role: Role(rawValue: try row.string("role")) ?? .guest, invitedBy: try row.id("invited_by"), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), acceptedAt: try row.optionalDate("accepted_at"), revokedAt: try row.optionalDate("revoked_at"),
            businessID: try row.optionalID("business_id"))
    }

    func insert(_ invitation: Invitation, tokenHash: String) async throws {
        try await sql.transaction { tx in
            // An invitation to a seat keeps it: counted, and written, while the business's seats are held.
            if let businessID = invitation.businessID {
                guard try await SQLBusinessSeatStore.hold(businessID, in: tx) else {
                    throw ChamberError(.businessNotFound, "no business \(businessID) in this chamber")
                }
                try await SQLBusinessSeatStore.seating(of: businessID, at: invitation.createdAt, in: tx).requireFreeSeat()
            }
            try await tx.query(
                """
                INSERT INTO invitations (id, chamber_id, email, role, token_hash, invited_by, created_at, expires_at, business_id)
                VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .id(invitation.id), .text(invitation.email), .text(invitation.role.rawValue), .text(tokenHash), .id(invitation.invitedBy),
                    .date(invitation.createdAt), .date(invitation.expiresAt), .id(invitation.businessID),
                ])
        }
    }

    func find(id: InvitationID) async throws -> Invitation? {
        try await sql.query("SELECT \(Self.columns) FROM invitations WHERE chamber_id = :chamber AND id = ?", [.id(id)]).first.map(Self.invitation)
    }

    func find(tokenHash: String) async throws -> Invitation? {
        try await sql.query("SELECT \(Self.columns) FROM invitations WHERE chamber_id = :chamber AND token_hash = ?", [.text(tokenHash)]).first.map(
            Self.invitation)
    }

    func list(page: PageRequest) async throws -> Page<Invitation> {
        let rows = try await sql.query(
            "SELECT \(Self.columns) FROM invitations WHERE chamber_id = :chamber ORDER BY created_at DESC, id LIMIT ? OFFSET ?", page.sqlBinds)
        return Page(fetched: try rows.map(Self.invitation), request: page)
    }

    func revoke(id: InvitationID, at: Date) async throws -> Bool {
        !(try await sql.query(
            "UPDATE invitations SET revoked_at = ? WHERE chamber_id = :chamber AND id = ? AND revoked_at IS NULL AND accepted_at IS NULL RETURNING id",
            [.date(at), .id(id)]
        ).isEmpty)
    }

    func accept(id: InvitationID, membership: Membership, at: Date) async throws -> Membership {
        try await sql.transaction { tx in
            if let businessID = membership.businessSeat, !(try await SQLBusinessSeatStore.hold(businessID, in: tx)) {
                throw ChamberError(.businessNotFound, "the business of this invitation is no longer in the chamber")
            }
            let taken = try await tx.query(
                "UPDATE invitations SET accepted_at = ? WHERE chamber_id = :chamber AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ? RETURNING id",
                [.date(at), .id(id), .date(at)])
            guard !taken.isEmpty else { throw ChamberError(.invitationExpired, "this invitation is no longer pending") }
            guard let businessID = membership.businessSeat else {
                try await Self.insert(membership, in: tx)
                return membership
            }
            // Accepted, the invitation no longer counts: the seat it kept is the one the member takes, if it is still
            // there (the tier may have changed since). Refused, the whole transaction goes and it stays pending.
            try await SQLBusinessSeatStore.seating(of: businessID, at: at, in: tx).requireFreeSeat()
            guard let member = try await SQLMemberStore(sql: tx).find(userID: membership.userID) else {
                try await Self.insert(membership, in: tx)
                return membership
            }
            // A member of the chamber takes the seat and keeps their role.
            try await SQLBusinessSeatStore.seat(membership.userID, at: businessID, in: tx)
            var seated = member.membership
            seated.businessSeat = businessID
            return seated
        }
    }

    private static func insert(_ membership: Membership, in tx: ChamberScopedSQL) async throws {
        do {
            try await tx.query(
                "INSERT INTO memberships (chamber_id, user_id, role, joined_at, seat_business_id) VALUES (:chamber, ?, ?, ?, ?)",
                [.id(membership.userID), .text(membership.role.rawValue), .date(membership.joinedAt), .id(membership.businessSeat)])
        } catch StorageError.uniqueViolation {
            throw ChamberError(.alreadyMember, "you are a member of this chamber already")
        }
    }
}

struct SQLBusinessStore: BusinessStore {
    let sql: ChamberScopedSQL

    private static let columnNames = [
        "id", "chamber_id", "owner_user_id", "legal_name", "display_name", "tax_id", "category", "address", "website", "phone", "email",
        "social_links", "description", "logo_url", "privacy", "created_at", "revision",
    ]
    static let columns = columnNames.joined(separator: ", ")

    /// The columns of `alias`, a name the table goes by in a join.
    static func columns(of alias: String) -> String { columnList(columnNames, of: alias) }

    /// A business read, its tax id opened by `fields`; without them the tax id is left out (for readers that have
    /// no use for it, such as the search-text reindex).
    static func business(_ row: SQLRow, opening fields: SealedFields?) throws -> Business {
        let id: BusinessID = try row.id("id")
        return Business(
            id: id, chamberID: try row.id("chamber_id"), ownerUserID: try row.optionalID("owner_user_id"),
            legalName: try row.string("legal_name"), displayName: try row.optionalString("display_name"),
            taxID: try fields?.openTaxID(try row.optionalString("tax_id"), context: SealingContext.businessTaxID(id)),
            category: try row.optionalString("category"), address: try row.json("address", as: PostalAddress.self),
            website: try row.optionalString("website"),
            phone: try row.optionalString("phone"), email: try row.optionalString("email"),
            socialLinks: try row.json("social_links", as: [String: String].self),
            description: try row.optionalString("description"), logoURL: try row.optionalString("logo_url"),
            privacy: try row.json("privacy", as: DirectoryPrivacy.self),
            createdAt: try row.date("created_at"), revision: Int(try row.int("revision")))
    }

    /// The written columns: the tax id sealed with its lookup token, the directory's search text.
    private func binds(_ b: Business) throws -> [SQLValue] {
        let search = DirectoryListing.searchText(b)
        let fields = try sql.fields
        return [
            .id(b.ownerUserID), .text(b.legalName), .text(b.displayName),
            .text(try fields.sealTaxID(b.taxID, context: SealingContext.businessTaxID(b.id))),
            .text(fields.taxIDToken(b.taxID)), .text(b.category), try .json(b.address), .text(b.website), .text(b.phone), .text(b.email),
            try .json(b.socialLinks), .text(b.description), .text(b.logoURL), try .json(b.privacy), .text(search.names),
            .text(search.publicText),
            .text(search.membersText), .text(search.staffText), .int(Int64(SearchWords.version)),
        ]
    }

    func insert(_ business: Business) async throws {
        precondition(business.chamberID == sql.chamberID, "business of another chamber")
        try await sql.query(
            """
            INSERT INTO businesses (id, chamber_id, owner_user_id, legal_name, display_name, tax_id, tax_id_token, category, address, website,
                phone, email, social_links, description, logo_url, privacy, search_names, search_public, search_members, search_staff,
                search_version, created_at)
            VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.id(business.id)] + (try binds(business)) + [.date(business.createdAt)])
    }

    func find(id: BusinessID) async throws -> Business? {
        let fields = try sql.fields
        return try await sql.query("SELECT \(Self.columns) FROM businesses WHERE chamber_id = :chamber AND id = ?", [.id(id)]).first.map {
            try Self.business($0, opening: fields)
        }
    }

    func list(page: PageRequest) async throws -> Page<Business> {
        let rows = try await sql.query(
            "SELECT \(Self.columns) FROM businesses WHERE chamber_id = :chamber ORDER BY lower(legal_name), legal_name, id LIMIT ? OFFSET ?",
            page.sqlBinds)
        let fields = try sql.fields
        return Page(fetched: try rows.map { try Self.business($0, opening: fields) }, request: page)
    }

    func update(_ business: Business) async throws -> Bool {
        !(try await sql.query(
            """
            UPDATE businesses SET owner_user_id = ?, legal_name = ?, display_name = ?, tax_id = ?, tax_id_token = ?, category = ?, address = ?,
                website = ?, phone = ?, email = ?, social_links = ?, description = ?, logo_url = ?, privacy = ?, search_names = ?,
                search_public = ?,
                search_members = ?, search_staff = ?, search_version = ?, revision = revision + 1
            WHERE chamber_id = :chamber AND id = ? AND revision = ? RETURNING id
            """,
            (try binds(business)) + [.id(business.id), .int(Int64(business.revision))]
        ).isEmpty)
    }

    /// Deletes the listing (first, holding its seats), its seats freed and its pending invitations to one revoked
    /// with it; a standing that named it goes on without a business.
    func delete(id: BusinessID, at: Date) async throws -> Bool {
        try await sql.transaction { tx in
            guard !(try await tx.query("DELETE FROM businesses WHERE chamber_id = :chamber AND id = ? RETURNING id", [.id(id)]).isEmpty) else {
                return false
            }
            try await tx.query("UPDATE memberships SET seat_business_id = NULL WHERE chamber_id = :chamber AND seat_business_id = ?", [.id(id)])
            // A write of the standing read before this one is refused (revision), so it cannot name the business again.
            try await tx.query(
                "UPDATE memberships SET business_id = NULL, standing_revision = standing_revision + 1 WHERE chamber_id = :chamber AND business_id = ?",
                [.id(id)])
            try await tx.query(
                """
                UPDATE invitations SET revoked_at = ?
                WHERE chamber_id = :chamber AND business_id = ? AND accepted_at IS NULL AND revoked_at IS NULL
                """, [.date(at), .id(id)])
            return true
        }
    }
}

struct SQLAuditLogStore: AuditLogStore {
    let sql: ChamberScopedSQL

    func append(_ entry: AuditEntry) async throws {
        try await sql.query(
            "INSERT INTO audit_log (id, chamber_id, actor_id, action, target, detail, reason, at) VALUES (?, :chamber, ?, ?, ?, ?, ?, ?)",
            [
                .text(entry.id), .id(entry.actorID), .text(entry.action), .text(entry.target), .text(entry.detail), .text(entry.reason),
                .date(entry.at),
            ])
    }

    func list(_ query: AuditQuery, page: PageRequest) async throws -> Page<AuditEntry> {
        var filters = ["chamber_id = :chamber"]
        var binds: [SQLValue] = []
        if let action = query.action {
            if action.hasSuffix(".") {
                // A family of actions: the prefix, its LIKE wildcards escaped.
                let escaped = action.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(
                    of: "_", with: "\\_")
                filters.append("action LIKE ? ESCAPE '\\'")
                binds.append(.text(escaped + "%"))
            } else {
                filters.append("action = ?")
                binds.append(.text(action))
            }
        }
        if let actor = query.actorID { filters.append("actor_id = ?"); binds.append(.id(actor)) }
        if let target = query.target { filters.append("target = ?"); binds.append(.text(target)) }
        if let since = query.since { filters.append("at >= ?"); binds.append(.date(since)) }
        if let until = query.until { filters.append("at < ?"); binds.append(.date(until)) }
        let rows = try await sql.query(
            "SELECT id, chamber_id, actor_id, action, target, detail, reason, at FROM audit_log WHERE \(filters.joined(separator: " AND ")) ORDER BY at DESC, id LIMIT ? OFFSET ?",
            binds + page.sqlBinds)
        return Page(
            fetched: try rows.map { row in
                AuditEntry(
                    id: try row.string("id"), chamberID: try row.id("chamber_id"), actorID: try row.optionalID("actor_id"),
                    action: try row.string("action"),
                    target: try row.optionalString("target"), detail: try row.optionalString("detail"), reason: try row.optionalString("reason"),
                    at: try row.date("at"))
            }, request: page)
    }
}
