import Foundation

/// A user's place in one chamber.
public struct Membership: Sendable, Equatable, Codable {
    public let chamberID: ChamberID
    public let userID: UserID
    public var role: Role
    public let joinedAt: Date
    /// The standing of the business this member owns and pays dues for; nil for a member by invitation alone (staff,
    /// a business's people, honorary members).
    public var standing: MembershipStanding?
    /// The business whose staff this member is, on one of the seats its tier gives (``BusinessSeating``): they share
    /// its standing. Nil for the business's holder (``standing`` names the business) and for members of no business.
    public var businessSeat: BusinessID?

    public init(
        chamberID: ChamberID, userID: UserID, role: Role, joinedAt: Date, standing: MembershipStanding? = nil, businessSeat: BusinessID? = nil
    ) {
        self.chamberID = chamberID
        self.userID = userID
        self.role = role
        self.joinedAt = joinedAt
        self.standing = standing
        self.businessSeat = businessSeat
    }

    /// The business the member is with: the one whose membership they hold, or whose seat.
    public var businessID: BusinessID? { standing?.businessID ?? businessSeat }
}

/// A membership together with the user it belongs to, as member lists show it.
public struct Member: Sendable, Equatable {
    public let membership: Membership
    public let user: User

    public init(membership: Membership, user: User) {
        self.membership = membership
        self.user = user
    }
}
