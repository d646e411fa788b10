import ChamberDomain
import Foundation

/// The seats of member businesses: a staff member's seat is `memberships.seat_business_id`, the holder is the
/// membership whose standing names the business, and a pending invitation to a seat is `invitations.business_id`.
///
/// Every change of who holds or keeps a seat runs in a transaction that first holds the business's row (`FOR UPDATE`
/// on PostgreSQL; SQLite's writer is one at a time), then counts: two seats given at once cannot both take the last.
struct SQLBusinessSeatStore: BusinessSeatStore {
    let sql: ChamberScopedSQL

    func seating(of businessID: BusinessID, at: Date) async throws -> BusinessSeating {
        try await Self.seating(of: businessID, at: at, in: sql)
    }

    func holder(of businessID: BusinessID) async throws -> Member? {
        try await Self.holder(of: businessID, in: sql)?.member
    }

    func give(userID: UserID, businessID: BusinessID, at: Date) async throws -> Bool {
        try await sql.transaction { tx in
            try await Self.hold(businessID, in: tx)
            let rows = try await tx.query(
                "SELECT standing_status, seat_business_id FROM memberships WHERE chamber_id = :chamber AND user_id = ?", [.id(userID)])
            guard let row = rows.first else { throw ChamberError(.memberNotFound, "no member \(userID) in this chamber") }
            let seat: BusinessID? = try row.optionalID("seat_business_id")
            if seat == businessID { return false }
            guard try row.optionalString("standing_status") == nil else {
                throw ChamberError(.seatConflict, "member \(userID) holds a membership of their own: they pay dues for their business")
            }
            if let seat { throw ChamberError(.seatConflict, "member \(userID) holds a seat of business \(seat): free it there first") }
            try await Self.seating(of: businessID, at: at, in: tx).requireFreeSeat()
            try await tx.query(
                "UPDATE memberships SET seat_business_id = ? WHERE chamber_id = :chamber AND user_id = ?", [.id(businessID), .id(userID)])
            return true
        }
    }

    func free(userID: UserID, businessID: BusinessID) async throws -> Bool {
        !(try await sql.query(
            "UPDATE memberships SET seat_business_id = NULL WHERE chamber_id = :chamber AND user_id = ? AND seat_business_id = ? RETURNING user_id",
            [.id(userID), .id(businessID)]
        ).isEmpty)
    }

    /// Holds the business's row to the end of `tx`, so seat counts read after it stay true until it commits;
    /// `business_not_found` when the chamber has no such business.
    static func hold(_ businessID: BusinessID, in tx: ChamberScopedSQL) async throws {
        let lock = tx.executor.dialect == .postgres ? " FOR UPDATE" : ""
        guard !(try await tx.query("SELECT id FROM businesses WHERE chamber_id = :chamber AND id = ?" + lock, [.id(businessID)]).isEmpty) else {
            throw ChamberError(.businessNotFound, "no business \(businessID) in this chamber")
        }
    }

    static func seating(of businessID: BusinessID, at: Date, in sql: ChamberScopedSQL) async throws -> BusinessSeating {
        let holder = try await holder(of: businessID, in: sql)
        let staff = try await sql.query(
            """
            \(SQLMemberStore.select) WHERE m.chamber_id = :chamber AND m.seat_business_id = ?
            ORDER BY lower(u.display_name), u.display_name, u.id
            """, [.id(businessID)]
        ).map(SQLMemberStore.member)
        let pending =
            try await sql.query(
                """
                SELECT COUNT(*) AS n FROM invitations
                WHERE chamber_id = :chamber AND business_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?
                """, [.id(businessID), .date(at)]
            ).first?.int("n") ?? 0
        return BusinessSeating(
            businessID: businessID, tierID: holder?.member.membership.standing?.tierID, seats: holder?.seats ?? 0,
            people: (holder.map { [.init(member: $0.member, seat: .holder)] } ?? []) + staff.map { .init(member: $0, seat: .staff) },
            invitationsPending: Int(pending))
    }

    /// The member whose standing names the business (the earliest to join, should two), with what its tier seats.
    private static func holder(of businessID: BusinessID, in sql: ChamberScopedSQL) async throws -> (member: Member, seats: Int)? {
        try await sql.query(
            """
            SELECT \(SQLMemberStore.columns), t.seats AS tier_seats FROM \(SQLMemberStore.from)
            JOIN membership_tiers t ON t.id = m.tier_id
            WHERE m.chamber_id = :chamber AND m.business_id = ? AND m.standing_status IS NOT NULL
            ORDER BY m.joined_at, m.user_id LIMIT 1
            """, [.id(businessID)]
        ).first.map { (try SQLMemberStore.member($0), Int(try $0.int("tier_seats"))) }
    }
}
