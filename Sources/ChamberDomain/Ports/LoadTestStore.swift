import Foundation

/// What the load-test provisioning asks the store to make sure of, in one transaction.
public struct LoadTestPlan: Sendable {
    /// The load-test chamber, created when no chamber has its slug.
    public let chamber: Chamber
    /// The accounts, first the admins; an account whose email exists already is kept as it is (its id wins).
    public let accounts: [User]
    public let adminCount: Int
    /// Load-test accounts cannot log in with a password: this hash is of a random secret nobody knows.
    public let passwordHash: String
    /// The load-test event: the chamber's published one of this title that is not over, or this one, created. Each
    /// member gets a confirmed registration for it (with `ticket`), and the admins are its organisers.
    public let event: Event
    public let ticket: TicketType
    /// The event's live room, which every account joins: the event's room when the event exists, or this one.
    public let room: Channel
    /// The announcement channel the admins post to, found by its name or created.
    public let announcements: Channel
    /// The domain every load-test email has: earlier load-test sessions of these accounts are revoked.
    public let emailDomain: String
    public let sessionExpiry: Date
    public let at: Date

    public init(
        chamber: Chamber, accounts: [User], adminCount: Int, passwordHash: String, event: Event, ticket: TicketType, room: Channel,
        announcements: Channel, emailDomain: String, sessionExpiry: Date, at: Date
    ) {
        self.chamber = chamber
        self.accounts = accounts
        self.adminCount = adminCount
        self.passwordHash = passwordHash
        self.event = event
        self.ticket = ticket
        self.room = room
        self.announcements = announcements
        self.emailDomain = emailDomain
        self.sessionExpiry = sessionExpiry
        self.at = at
    }
}

/// What the store made: the chamber and channels (existing or new) and a fresh session per account, in plan order.
public struct LoadTestProvision: Sendable {
    public let chamberID: ChamberID
    public let eventID: EventID
    public let roomID: ChannelID
    public let announcementsID: ChannelID
    public let accounts: [(user: User, role: Role, sessionID: SessionID)]

    public init(
        chamberID: ChamberID, eventID: EventID, roomID: ChannelID, announcementsID: ChannelID,
        accounts: [(user: User, role: Role, sessionID: SessionID)]
    ) {
        self.chamberID = chamberID
        self.eventID = eventID
        self.roomID = roomID
        self.announcementsID = announcementsID
        self.accounts = accounts
    }
}

/// Bulk set-up for load tests: thousands of accounts, memberships and sessions in one transaction, where the
/// regular one-at-a-time paths (a bcrypt hash per account) would take minutes.
public protocol LoadTestStore: Sendable {
    /// Throws `slug_taken` when a chamber with the plan's slug exists that provisioning did not make.
    func provision(_ plan: LoadTestPlan) async throws -> LoadTestProvision
}
