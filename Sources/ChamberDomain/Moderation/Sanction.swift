import Foundation

public typealias SanctionID = Identifier<Sanction>

/// A restriction a moderator put on a member: silenced (in one channel or the whole chamber), kept out of a
/// channel after a kick, or banned from the chamber. Sanctions expire on their own or are lifted; they are never
/// deleted, so the record of who was restricted stays.
public struct Sanction: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// May read, may not post or edit (in `channelID`, or anywhere in the chamber).
        case mute
        /// Removed from `channelID`; may not join it again until the sanction ends.
        case kick
        /// May not use the chamber at all: sockets closed everywhere, requests refused.
        case ban
    }

    public let id: SanctionID
    public let chamberID: ChamberID
    public let userID: UserID
    public let kind: Kind
    /// The channel it applies to; nil for the whole chamber.
    public let channelID: ChannelID?
    public let reason: String?
    public let createdBy: UserID
    public let createdAt: Date
    /// When it ends on its own; nil: until lifted.
    public let expiresAt: Date?
    public var liftedAt: Date?
    public var liftedBy: UserID?

    public init(
        id: SanctionID = .generate(), chamberID: ChamberID, userID: UserID, kind: Kind, channelID: ChannelID?, reason: String?,
        createdBy: UserID, createdAt: Date, expiresAt: Date?, liftedAt: Date? = nil, liftedBy: UserID? = nil
    ) {
        self.id = id
        self.chamberID = chamberID
        self.userID = userID
        self.kind = kind
        self.channelID = channelID
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.liftedAt = liftedAt
        self.liftedBy = liftedBy
    }

    public func isActive(at date: Date) -> Bool {
        liftedAt == nil && (expiresAt.map { $0 > date } ?? true)
    }

    /// Whether it stops the user from posting in `channel`.
    public func silences(in channel: ChannelID) -> Bool {
        switch kind {
        case .ban: true
        case .mute: channelID == nil || channelID == channel
        case .kick: false
        }
    }

    /// Whole seconds until it ends (at least 1), for a client's retry hint; nil when it does not end on its own.
    public func secondsLeft(at date: Date) -> Int? {
        expiresAt.map { max(1, Int($0.timeIntervalSince(date).rounded(.up))) }
    }
}
