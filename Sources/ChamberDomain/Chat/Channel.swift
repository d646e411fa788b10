import Foundation

public typealias ChannelID = Identifier<Channel>
public typealias MessageID = Identifier<Message>

/// A place where members talk.
public struct Channel: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Exactly two members; opening a DM to someone again returns the same channel.
        case direct
        /// Named, with members and owners.
        case group
        /// The live room of an event; any member of the chamber may join.
        case event
        /// Admins and staff write, everyone in the chamber reads.
        case announcement
    }

    public let id: ChannelID
    public let chamberID: ChamberID
    public let kind: Kind
    public var name: String?
    public var topic: String?
    /// The event a room belongs to (events arrive with the events issue).
    public var eventID: String?
    public let createdBy: UserID
    public let createdAt: Date
    public var archivedAt: Date?
    /// The sequence number of the channel's newest event; 0 when empty.
    public var lastSeq: Int64
    /// Locked by a moderator: only moderators, staff and admins post.
    public var lockedAt: Date?
    /// Slow mode: each member posts at most once per this many seconds (0: off; moderators are exempt).
    public var slowModeSeconds: Int

    public init(
        id: ChannelID, chamberID: ChamberID, kind: Kind, name: String?, topic: String? = nil, eventID: String? = nil,
        createdBy: UserID, createdAt: Date, archivedAt: Date? = nil, lastSeq: Int64 = 0, lockedAt: Date? = nil, slowModeSeconds: Int = 0
    ) {
        self.id = id
        self.chamberID = chamberID
        self.kind = kind
        self.name = name
        self.topic = topic
        self.eventID = eventID
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.archivedAt = archivedAt
        self.lastSeq = lastSeq
        self.lockedAt = lockedAt
        self.slowModeSeconds = slowModeSeconds
    }

    public var isArchived: Bool { archivedAt != nil }
    public var isLocked: Bool { lockedAt != nil }

    /// The key that makes a DM between two users unique in a chamber.
    public static func directKey(_ a: UserID, _ b: UserID) -> String {
        [a.rawValue, b.rawValue].sorted().joined(separator: ":")
    }
}

/// A user's membership of a channel and how far they have read.
public struct ChannelMember: Sendable, Equatable, Codable {
    /// `reader`: an announcement reader, recorded only to remember how far they read.
    public enum Role: String, Sendable, Codable { case owner, member, reader }

    public let channelID: ChannelID
    public let userID: UserID
    public var role: Role
    public let joinedAt: Date
    /// The highest sequence the user has read (on any device).
    public var lastReadSeq: Int64

    public init(channelID: ChannelID, userID: UserID, role: Role, joinedAt: Date, lastReadSeq: Int64 = 0) {
        self.channelID = channelID
        self.userID = userID
        self.role = role
        self.joinedAt = joinedAt
        self.lastReadSeq = lastReadSeq
    }
}

/// A channel as the caller's channel list shows it.
public struct ChannelSummary: Sendable, Equatable {
    public let channel: Channel
    /// The caller's membership, if they are a member (announcement readers need not be).
    public let membership: ChannelMember?
    public let unreadCount: Int
    public let lastMessage: Message?
    /// For direct channels: the other member.
    public let peerID: UserID?

    public init(channel: Channel, membership: ChannelMember?, unreadCount: Int, lastMessage: Message?, peerID: UserID?) {
        self.channel = channel
        self.membership = membership
        self.unreadCount = unreadCount
        self.lastMessage = lastMessage
        self.peerID = peerID
    }
}
