import Foundation

/// How much one member took part over a window of days.
public struct MemberEngagement: Sendable, Equatable {
    public let userID: UserID
    public let displayName: String
    public let role: Role
    /// The last time they opened the chamber (a request or a socket), to the minute the server last wrote it down.
    public let lastSeenAt: Date?
    /// Messages they sent in the window and did not delete.
    public let messagesSent: Int
    /// Events of the chamber they were checked in at, at the door, in the window.
    public let eventsAttended: Int

    public init(userID: UserID, displayName: String, role: Role, lastSeenAt: Date?, messagesSent: Int, eventsAttended: Int) {
        self.userID = userID
        self.displayName = displayName
        self.role = role
        self.lastSeenAt = lastSeenAt
        self.messagesSent = messagesSent
        self.eventsAttended = eventsAttended
    }

    /// Engaged in the window: seen, posting or attending an event since `since`.
    public func isActive(since: Date) -> Bool {
        messagesSent > 0 || eventsAttended > 0 || (lastSeenAt.map { $0 >= since } ?? false)
    }
}

/// The chamber's figures over a window.
public struct EngagementOverview: Sendable, Equatable {
    public let members: Int
    /// Members seen, posting or attending an event in the window.
    public let activeMembers: Int
    public let messagesSent: Int
    /// Members' check-ins at the chamber's events in the window (one per member and event).
    public let eventsAttended: Int

    public init(members: Int, activeMembers: Int, messagesSent: Int, eventsAttended: Int) {
        self.members = members
        self.activeMembers = activeMembers
        self.messagesSent = messagesSent
        self.eventsAttended = eventsAttended
    }

    /// Active members over members, 0–1 (0 for a chamber without members).
    public var rate: Double { members == 0 ? 0 : Double(activeMembers) / Double(members) }
}

/// What engagement is measured from, per chamber.
public protocol EngagementStore: Sendable {
    /// Moves members' last-seen times forward (never back).
    func recordSeen(_ seen: [UserID: Date]) async throws
    func overview(since: Date) async throws -> EngagementOverview
    /// Every member's figures, by name.
    func members(since: Date, page: PageRequest) async throws -> Page<MemberEngagement>
}
