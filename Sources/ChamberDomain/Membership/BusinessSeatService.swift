import Foundation

/// The people of member businesses: who holds the seats their tiers give (``BusinessSeating``).
///
/// Every role reads a business's seats; its membership's holder, staff and admins give and free them; a member may
/// leave the business they are staff of. A member on a seat shares the business's standing, so every change makes
/// their sockets reconnect to pick up what it allows.
public final class BusinessSeatService: Sendable {
    private let store: any Store
    private let observer: (any MembershipObserver)?
    private let now: @Sendable () -> Date

    public init(store: any Store, observer: (any MembershipObserver)? = nil, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.observer = observer
        self.now = now
    }

    public func seating(_ access: ChamberAccess, businessID: BusinessID) async throws -> BusinessSeating {
        try access.require(.view, .business)
        return try await Self.seating(of: businessID, in: store.scoped(to: access.chamberID), at: now())
    }

    /// Gives a member of the chamber one of the business's seats; a member who holds it already keeps it.
    public func add(_ access: ChamberAccess, businessID: BusinessID, userID: UserID) async throws -> BusinessSeating {
        let scope = store.scoped(to: access.chamberID)
        try await Self.seating(of: businessID, in: scope, at: now()).requireManaged(by: access)
        if try await scope.seats.give(userID: userID, businessID: businessID, at: now()) {
            try await audit(access, "business.person_added", businessID: businessID, userID: userID)
            await observer?.roleChanged(chamberID: access.chamberID, userID: userID)
        }
        return try await scope.seats.seating(of: businessID, at: now())
    }

    /// Frees a seat: by those who manage the business's seats, or by the member leaving it. The member stays in the
    /// chamber. The holder's seat goes with the membership, not this way.
    public func remove(_ access: ChamberAccess, businessID: BusinessID, userID: UserID) async throws {
        let scope = store.scoped(to: access.chamberID)
        let seating = try await Self.seating(of: businessID, in: scope, at: now())
        if userID != access.userID { try seating.requireManaged(by: access) }
        if seating.holder?.user.id == userID {
            throw ChamberError(
                .seatConflict, "the holder of the business's membership keeps its seat: staff change its owner or standing instead")
        }
        guard try await scope.seats.free(userID: userID, businessID: businessID) else {
            throw ChamberError(.memberNotFound, "member \(userID) holds no seat of business \(businessID)")
        }
        try await audit(access, "business.person_removed", businessID: businessID, userID: userID)
        await observer?.roleChanged(chamberID: access.chamberID, userID: userID)
    }

    /// The business's seats; `business_not_found` when the chamber has no such business.
    static func seating(of businessID: BusinessID, in scope: any ChamberScopedStore, at: Date) async throws -> BusinessSeating {
        guard try await scope.businesses.find(id: businessID) != nil else {
            throw ChamberError(.businessNotFound, "no business \(businessID) in this chamber")
        }
        return try await scope.seats.seating(of: businessID, at: at)
    }

    private func audit(_ access: ChamberAccess, _ action: String, businessID: BusinessID, userID: UserID) async throws {
        try await store.scoped(to: access.chamberID).auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: action, target: "business:\(businessID)",
                detail: "user:\(userID)", at: now()))
    }
}

extension BusinessSeating {
    /// Throws `forbidden` unless the caller may give and free the business's seats: its membership's holder, staff
    /// and admins.
    public func requireManaged(by access: ChamberAccess) throws(ChamberError) {
        guard access.role >= .staff || holder?.user.id == access.userID else {
            throw ChamberError(.forbidden, "only the holder of the business's membership or chamber staff may change who holds its seats")
        }
    }
}

extension ChamberScopedStore {
    /// The standing that binds `member`: their own, or, on a business's seat, the business's.
    func binding(_ member: Member) async throws -> MembershipStanding? {
        if let standing = member.membership.standing { return standing }
        guard let businessID = member.membership.businessSeat else { return nil }
        return try await seats.holder(of: businessID)?.membership.standing
    }
}
