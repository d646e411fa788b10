import Foundation

/// The people of member businesses: who holds the seats their tiers give (``BusinessSeating``).
///
/// Members read a business's seats; its membership's holder invites people to them (``ChamberService/invite(_:email:toSeatOf:)``:
/// a member only joins a business by accepting), staff and admins also give them to members directly; the holder, staff
/// and admins free them and revoke invitations, and a member may leave the business they are staff of. A member on a
/// seat shares the business's standing, so every change makes their sockets reconnect to pick up what it allows.
public final class BusinessSeatService: Sendable {
    private let store: any Store
    private let observer: (any MembershipObserver)?
    private let now: @Sendable () -> Date

    public init(store: any Store, observer: (any MembershipObserver)? = nil, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.observer = observer
        self.now = now
    }

    /// The business's seats; the pending invitations themselves only to those who manage them.
    public func seating(_ access: ChamberAccess, businessID: BusinessID) async throws -> BusinessSeating {
        try access.require(.view, .member)
        let seating = try await Self.seating(of: businessID, in: store.scoped(to: access.chamberID), at: now())
        return seating.isManaged(by: access) ? seating : seating.withoutInvitations
    }

    /// Staff and admins give a member of the chamber one of the business's seats; a member who holds it keeps it.
    public func add(_ access: ChamberAccess, businessID: BusinessID, userID: UserID) async throws -> BusinessSeating {
        guard access.role >= .staff else {
            throw ChamberError(
                .forbidden, "chamber staff give a member a seat; the business's holder invites them (POST …/people), and they accept")
        }
        let scope = store.scoped(to: access.chamberID)
        if try await scope.seats.give(userID: userID, businessID: businessID, at: now()) {
            try await audit(access, "business.person_added", businessID: businessID, detail: "user:\(userID)")
            await observer?.roleChanged(chamberID: access.chamberID, userID: userID)
        }
        return try await Self.seating(of: businessID, in: scope, at: now())
    }

    /// Frees a seat: by those who manage the business's seats, or by the member leaving it. The member stays in the
    /// chamber. The holder's seat goes with the membership, not this way.
    public func remove(_ access: ChamberAccess, businessID: BusinessID, userID: UserID) async throws {
        let scope = store.scoped(to: access.chamberID)
        let seating = try await Self.seating(of: businessID, in: scope, at: now())
        if userID != access.userID { try seating.requireManaged(by: access) }
        if seating.holder?.user.id == userID {
            throw ChamberError(.seatConflict, "the holder of the business's membership keeps its seat while they hold the membership")
        }
        guard try await scope.seats.free(userID: userID, businessID: businessID) else {
            throw ChamberError(.memberNotFound, "member \(userID) holds no seat of business \(businessID)")
        }
        try await audit(access, "business.person_removed", businessID: businessID, detail: "user:\(userID)")
        await observer?.roleChanged(chamberID: access.chamberID, userID: userID)
    }

    /// Revokes a pending invitation to one of the business's seats, freeing the seat it kept.
    public func revokeInvitation(_ access: ChamberAccess, businessID: BusinessID, invitationID: InvitationID) async throws {
        let scope = store.scoped(to: access.chamberID)
        try await Self.seating(of: businessID, in: scope, at: now()).requireManaged(by: access)
        guard let invitation = try await scope.invitations.find(id: invitationID), invitation.businessID == businessID else {
            throw ChamberError(.invitationNotFound, "no invitation \(invitationID) to a seat of this business")
        }
        guard invitation.status(at: now()) == .pending, try await scope.invitations.revoke(id: invitationID, at: now()) else {
            throw ChamberError(.invitationExpired, "invitation \(invitationID) is \(invitation.status(at: now()).rawValue), not pending")
        }
        try await audit(access, "invitation.revoked", businessID: businessID, detail: "invitation:\(invitationID) \(invitation.email)")
    }

    /// The business's seats; `business_not_found` when the chamber has no such business.
    static func seating(of businessID: BusinessID, in scope: any ChamberScopedStore, at: Date) async throws -> BusinessSeating {
        guard try await scope.businesses.find(id: businessID) != nil else {
            throw ChamberError(.businessNotFound, "no business \(businessID) in this chamber")
        }
        return try await scope.seats.seating(of: businessID, at: at)
    }

    private func audit(_ access: ChamberAccess, _ action: String, businessID: BusinessID, detail: String) async throws {
        try await store.scoped(to: access.chamberID).auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: action, target: "business:\(businessID)", detail: detail, at: now()))
    }
}

extension BusinessSeating {
    /// Whether the caller manages the business's seats: its membership's holder, staff and admins.
    public func isManaged(by access: ChamberAccess) -> Bool { access.role >= .staff || holder?.user.id == access.userID }

    /// Throws `forbidden` unless the caller manages the business's seats (``isManaged(by:)``).
    public func requireManaged(by access: ChamberAccess) throws(ChamberError) {
        guard isManaged(by: access) else {
            throw ChamberError(.forbidden, "only the holder of the business's membership or chamber staff may change who holds its seats")
        }
    }

    /// Throws unless the caller may offer one of the business's seats: staff and admins; its holder while the
    /// business's standing lets them post (`membership_inactive`: a lapsed business seats nobody new).
    public func requireOffered(by access: ChamberAccess) throws(ChamberError) {
        try requireManaged(by: access)
        guard access.role >= .staff || holderInGoodStanding else {
            throw ChamberError(
                .membershipInactive,
                "the business's membership is \(holder?.membership.standing?.status.rawValue ?? "gone"): renew it to offer its seats")
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
