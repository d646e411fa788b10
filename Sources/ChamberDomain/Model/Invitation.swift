import Foundation

/// An invitation to join a chamber with a role, sent to an email address.
public struct Invitation: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case pending, accepted, revoked, expired }

    public let id: InvitationID
    public let chamberID: ChamberID
    public let email: String
    public let role: Role
    public let invitedBy: UserID
    public let createdAt: Date
    public let expiresAt: Date
    public var acceptedAt: Date?
    public var revokedAt: Date?
    /// The business whose seat the invitation gives; it keeps the seat while pending.
    public let businessID: BusinessID?

    public init(
        id: InvitationID, chamberID: ChamberID, email: String, role: Role, invitedBy: UserID, createdAt: Date, expiresAt: Date,
        acceptedAt: Date? = nil, revokedAt: Date? = nil, businessID: BusinessID? = nil
    ) {
        self.businessID = businessID
        self.id = id
        self.chamberID = chamberID
        self.email = email
        self.role = role
        self.invitedBy = invitedBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.acceptedAt = acceptedAt
        self.revokedAt = revokedAt
    }

    public func status(at now: Date) -> Status {
        if acceptedAt != nil { return .accepted }
        if revokedAt != nil { return .revoked }
        if now >= expiresAt { return .expired }
        return .pending
    }
}
