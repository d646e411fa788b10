import ChamberDomain
import Foundation

/// The seats of member businesses: a staff member's seat is `memberships.seat_business_id`, the holder is the
/// membership whose standing names the business, and a pending invitation to a seat is `invitations.business_id`.
///
/// Every change of who holds or keeps a seat, and every change of the business's tier, runs in a transaction that
/// first holds the business's row (`FOR UPDATE` on PostgreSQL; SQLite's writer is one at a time), then counts: two
/// seats given at once cannot both take the last, nor a tier with fewer seats come in between.
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
            guard try await Self.hold(businessID, in: tx) else { throw ChamberError(.businessNotFound, "no business \(businessID) in this chamber") }
            let rows = try await tx.query("SELECT seat_business_id FROM memberships WHERE chamber_id = :chamber AND user_id = ?", [.id(userID)])
            guard let row = rows.first else { throw ChamberError(.memberNotFound, "no member \(userID) in this chamber") }
            if try row.optionalID("seat_business_id") == businessID { return false }
            try await Self.seating(of: businessID, at: at, in: tx).requireFreeSeat()
            try await Self.seat(userID, at: businessID, in: tx)
            return true
        }
    }

    func free(userID: UserID, businessID: BusinessID) async throws -> Bool {
        !(try await sql.query(
            "UPDATE memberships SET seat_business_id = NULL WHERE chamber_id = :chamber AND user_id = ? AND seat_business_id = ? RETURNING user_id",
            [.id(userID), .id(businessID)]
        ).isEmpty)
    }

    /// Holds the business's row to the end of `tx`, so seat counts read after it stay true until it commits; false
    /// when the chamber has no such business.
    static func hold(_ businessID: BusinessID, in tx: ChamberScopedSQL) async throws -> Bool {
        let lock = tx.executor.dialect == .postgres ? " FOR UPDATE" : ""
        return !(try await tx.query("SELECT id FROM businesses WHERE chamber_id = :chamber AND id = ?" + lock, [.id(businessID)]).isEmpty)
    }

    /// Gives `userID` the seat, unless they hold a membership or another seat (`seat_conflict`) or are no member
    /// (`member_not_found`): checked by the write itself, as the business's row held covers its seats, not the member.
    static func seat(_ userID: UserID, at businessID: BusinessID, in tx: ChamberScopedSQL) async throws {
        let seated = try await tx.query(
            """
            UPDATE memberships SET seat_business_id = ?
            WHERE chamber_id = :chamber AND user_id = ? AND standing_status IS NULL AND seat_business_id IS NULL RETURNING user_id
            """, [.id(businessID), .id(userID)])
        guard seated.isEmpty else { return }
        let rows = try await tx.query("SELECT standing_status FROM memberships WHERE chamber_id = :chamber AND user_id = ?", [.id(userID)])
        guard let row = rows.first else { throw ChamberError(.memberNotFound, "no member \(userID) in this chamber") }
        throw ChamberError(
            .seatConflict,
            try row.optionalString("standing_status") == nil
                ? "member \(userID) holds a seat of another business: they leave it first"
                : "member \(userID) holds a membership of their own: they pay dues for their business")
    }

    static func seating(of businessID: BusinessID, at: Date, in sql: ChamberScopedSQL) async throws -> BusinessSeating {
        let holder = try await holder(of: businessID, in: sql)
        let staff = try await sql.query(
            """
            \(SQLMemberStore.select) WHERE m.chamber_id = :chamber AND m.seat_business_id = ?
            ORDER BY lower(u.display_name), u.display_name, u.id
            """, [.id(businessID)]
        ).map(SQLMemberStore.member)
        let pending = try await sql.query(
            """
            SELECT \(SQLInvitationStore.columns) FROM invitations
            WHERE chamber_id = :chamber AND business_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?
            ORDER BY created_at, id
            """, [.id(businessID), .date(at)]
        ).map(SQLInvitationStore.invitation)
        return BusinessSeating(
            businessID: businessID, tierID: holder?.member.membership.standing?.tierID, seats: holder?.seats ?? 0,
            people: (holder.map { [.init(member: $0.member, seat: .holder)] } ?? []) + staff.map { .init(member: $0, seat: .staff) },
            invitations: pending)
    }

    /// Throws `seats_full` unless the business's people and the invitations pending at the limit's time fit in its
    /// seats, counted while the business's row is held (a business gone has none to count).
    static func requireFitting(_ businessID: BusinessID, in limit: SeatLimit, tx: ChamberScopedSQL) async throws {
        guard try await hold(businessID, in: tx) else { return }
        let taken = try await seating(of: businessID, at: limit.at, in: tx).taken
        guard taken <= limit.seats else {
            throw ChamberError(
                .seatsFull,
                "\(limit.tierName) seats \(limit.seats), and the business's people and pending invitations take \(taken): free seats first")
        }
    }

    /// Holds the rows of the businesses whose membership `userID` holds (as ``hold(_:in:)`` does one), before their
    /// seats are freed.
    static func hold(businessesHeldBy userID: UserID, in tx: ChamberScopedSQL) async throws {
        guard tx.executor.dialect == .postgres else { return }
        try await tx.query(
            """
            SELECT id FROM businesses WHERE chamber_id = :chamber AND id IN (
                SELECT business_id FROM memberships WHERE chamber_id = :chamber AND user_id = ? AND standing_status IS NOT NULL)
            ORDER BY id FOR UPDATE
            """, [.id(userID)])
    }

    /// Frees every seat of the businesses whose membership `userID` holds, as they leave the chamber.
    static func freeSeats(heldBy userID: UserID, in tx: ChamberScopedSQL) async throws {
        try await tx.query(
            """
            UPDATE memberships SET seat_business_id = NULL WHERE chamber_id = :chamber AND seat_business_id IN (
                SELECT business_id FROM memberships WHERE chamber_id = :chamber AND user_id = ? AND standing_status IS NOT NULL
                    AND business_id IS NOT NULL)
            """, [.id(userID)])
    }

    /// The member whose standing names the business (the earliest to join, should two), with what its tier seats.
    private static func holder(of businessID: BusinessID, in sql: ChamberScopedSQL) async throws -> (member: Member, seats: Int)? {
        try await sql.query(
            """
            SELECT \(SQLMemberStore.columns), t.seats AS tier_seats FROM \(SQLMemberStore.from)
            JOIN membership_tiers t ON t.chamber_id = m.chamber_id AND t.id = m.tier_id
            WHERE m.chamber_id = :chamber AND m.business_id = ? AND m.standing_status IS NOT NULL
            ORDER BY m.joined_at, m.user_id LIMIT 1
            """, [.id(businessID)]
        ).first.map { (try SQLMemberStore.member($0), Int(try $0.int("tier_seats"))) }
    }
}
