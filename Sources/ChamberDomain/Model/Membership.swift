import Foundation

/// A user's place in one chamber.
public struct Membership: Sendable, Equatable, Codable {
    public let chamberID: ChamberID
    public let userID: UserID
    public var role: Role
    public let joinedAt: Date

    public init(chamberID: ChamberID, userID: UserID, role: Role, joinedAt: Date) {
        self.chamberID = chamberID
        self.userID = userID
        self.role = role
        self.joinedAt = joinedAt
    }
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
