import ChamberDomain
import Foundation

/// Standings, held in the columns of the owner's `memberships` row, and the `dues_ledger`.
struct SQLStandingStore: MembershipStandingStore {
    let sql: ChamberScopedSQL

    /// The standing's columns of `memberships m`, for ``SQLMemberStore/select``.
    static let columns =
        "m.standing_status, m.tier_id, m.business_id, m.trial_ends_at, m.period_start, m.paid_through, m.status_changed_at, m.standing_revision"

    static func standing(_ row: SQLRow) throws -> MembershipStanding? {
        guard let raw = try row.optionalString("standing_status") else { return nil }
        guard let status = MembershipStatus(rawValue: raw) else { throw StorageError.typeMismatch("standing_status", "a membership status") }
        return MembershipStanding(
            tierID: try row.id("tier_id"), status: status, businessID: try row.optionalID("business_id"),
            trialEndsAt: try row.optionalDate("trial_ends_at"), periodStart: try row.optionalDate("period_start"),
            paidThrough: try row.optionalDate("paid_through"), statusChangedAt: try row.date("status_changed_at"),
            revision: Int(try row.int("standing_revision")))
    }

    func list(status: MembershipStatus?, page: PageRequest) async throws -> Page<Member> {
        let filter = status == nil ? "m.standing_status IS NOT NULL" : "m.standing_status = ?"
        let rows = try await sql.query(
            "\(SQLMemberStore.select) WHERE m.chamber_id = :chamber AND \(filter) ORDER BY lower(u.display_name), u.display_name, u.id LIMIT ? OFFSET ?",
            (status.map { [.text($0.rawValue)] } ?? []) + page.sqlBinds)
        return Page(fetched: try rows.map(SQLMemberStore.member), request: page)
    }

    func moving() async throws -> [Member] {
        try await sql.query(
            "\(SQLMemberStore.select) WHERE m.chamber_id = :chamber AND m.standing_status IN ('trial', 'active', 'grace') ORDER BY m.user_id"
        ).map(SQLMemberStore.member)
    }

    func update(userID: UserID, _ standing: MembershipStanding, entry: DuesLedgerEntry?, seats: SeatLimit?, notices: [Notice]) async throws -> Bool {
        try await sql.transaction { tx in
            if let seats, let businessID = standing.businessID {
                try await SQLBusinessSeatStore.requireFitting(businessID, in: seats, tx: tx)
            }
            let written = try await tx.query(
                """
                UPDATE memberships SET standing_status = ?, tier_id = ?, business_id = ?, trial_ends_at = ?, period_start = ?, paid_through = ?,
                    status_changed_at = ?, standing_revision = standing_revision + 1
                WHERE chamber_id = :chamber AND user_id = ? AND standing_revision = ? RETURNING user_id
                """,
                [
                    .text(standing.status.rawValue), .id(standing.tierID), .id(standing.businessID), .date(standing.trialEndsAt),
                    .date(standing.periodStart), .date(standing.paidThrough), .date(standing.statusChangedAt), .id(userID),
                    .int(Int64(standing.revision)),
                ])
            guard !written.isEmpty else { return false }
            if let entry {
                try await tx.query(
                    """
                    INSERT INTO dues_ledger (id, chamber_id, user_id, kind, amount_cents, currency, period_start, period_end, note, recorded_by, at)
                    VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(entry.id), .id(entry.userID), .text(entry.kind.rawValue), .int(Int64(entry.amountCents)), .text(entry.currency),
                        .date(entry.periodStart), .date(entry.periodEnd), .text(entry.note), .id(entry.recordedBy), .date(entry.at),
                    ])
            }
            try await SQLNoticeOutboxStore.insert(notices, in: tx)
            return true
        }
    }

    func ledger(userID: UserID, limit: Int) async throws -> [DuesLedgerEntry] {
        try await sql.query(
            "SELECT id, user_id, kind, amount_cents, currency, period_start, period_end, note, recorded_by, at FROM dues_ledger WHERE chamber_id = :chamber AND user_id = ? ORDER BY at DESC, id DESC LIMIT ?",
            [.id(userID), .int(Int64(limit))]
        ).map { row in
            guard let kind = DuesLedgerEntry.Kind(rawValue: try row.string("kind")) else {
                throw StorageError.typeMismatch("kind", "a ledger entry kind")
            }
            return DuesLedgerEntry(
                id: try row.string("id"), userID: try row.id("user_id"), kind: kind, amountCents: Int(try row.int("amount_cents")),
                currency: try row.string("currency"), periodStart: try row.optionalDate("period_start"),
                periodEnd: try row.optionalDate("period_end"),
                note: try row.optionalString("note"), recordedBy: try row.optionalID("recorded_by"), at: try row.date("at"))
        }
    }
}
