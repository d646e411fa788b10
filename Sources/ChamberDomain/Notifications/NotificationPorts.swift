import Foundation

/// Devices that receive pushes. Platform-wide: a device belongs to a user, not to a chamber.
public protocol DeviceStore: Sendable {
    /// Stores the device, or, when its platform and ``PushAddress/key`` are registered already, gives that device to
    /// `device.userID` and `device.sessionID` with `device`'s details (keeping its id and `createdAt`). Then removes
    /// the user's devices beyond `limit`, oldest registration first. All in one transaction.
    /// Returns the device as stored and whether it is new.
    func register(_ device: Device, limit: Int) async throws -> (device: Device, created: Bool)
    /// The user's devices whose session is active at `instant`, the most recently registered first.
    func list(userID: UserID, activeAt instant: Date) async throws -> [Device]
    /// Removes one of the user's devices; false when the user has no such device.
    func remove(id: DeviceID, userID: UserID) async throws -> Bool
}

/// Notification settings of one chamber: its defaults, each member's choices, and members' channel mutes.
public protocol NotificationSettingsStore: Sendable {
    /// The chamber's own choices (empty when it chose nothing).
    func chamberChoices() async throws -> NotificationChoices
    func setChamberChoices(_ choices: NotificationChoices, by actor: UserID, at: Date) async throws
    /// A member's own choices (empty when they chose nothing).
    func memberChoices(of user: UserID) async throws -> NotificationChoices
    /// Reads the member's choices, applies `patch`, stores and returns the result, in one transaction (two
    /// concurrent patches of different settings both take effect).
    func updateMemberChoices(of user: UserID, applying patch: NotificationChoicesPatch, at: Date) async throws -> NotificationChoices
    /// The member's mutes, expired ones included (callers filter by time).
    func mutes(of user: UserID) async throws -> [ChannelMute]
    func mute(_ mute: ChannelMute, for user: UserID, at: Date) async throws
    func unmute(channelID: ChannelID, for user: UserID) async throws
    /// The choices of each of `users` that chose something (for deciding many recipients at once).
    func memberChoices(of users: [UserID]) async throws -> [UserID: NotificationChoices]
    /// The members of the chamber who chose anything at all.
    func usersWithChoices() async throws -> [UserID]
    /// The mutes by any of `users` of any of `channelIDs`, expired ones included: by channel, then by user.
    func mutes(by users: [UserID], in channelIDs: Set<ChannelID>) async throws -> [ChannelID: [UserID: ChannelMute]]
}

/// One chamber's in-app feeds.
public protocol NotificationFeedStore: Sendable {
    /// The member's notifications, most recently grown first: after `cursor` when given (its page's offset unused),
    /// else from the page's offset. The next page's cursor is a key (``FeedCursor``).
    func page(of user: UserID, unreadOnly: Bool, page: PageRequest, after cursor: FeedCursor?) async throws -> Page<Notification>
    func unreadCount(of user: UserID) async throws -> Int
    /// Records an owed notice in one transaction: forgets it as owed (``NoticeOutboxStore``), adds `entry` to the
    /// member's feed when `inFeed`, queues a push to each of their devices when `push` (with its text when `preview`)
    /// and `mail` when given, for any worker to send. Returns the member's unread count after and the pushes queued;
    /// nil, changing nothing, when the notice is owed no more (another node recorded it).
    func record(owed entry: Notification, inFeed: Bool, push: Bool, preview: Bool, mail: Mail?) async throws -> (unread: Int, pushesQueued: Int)?
    /// Marks the member's notifications read; returns those it changed and the unread count after.
    func markRead(_ selection: FeedReadSelection, of user: UserID, at: Date) async throws -> (read: [NotificationID], unread: Int)
    /// Marks read the member's notifications of a channel up to `seq` (they read the channel); returns those it changed.
    func markChannelRead(_ channelID: ChannelID, upTo seq: Int64, of user: UserID, at: Date) async throws -> (read: [NotificationID], unread: Int)
}

/// A channel's messages that nobody was notified of yet.
public struct ChannelBacklog: Sendable {
    public let channel: Channel
    /// How far the channel was notified (0 when never).
    public let notifiedSeq: Int64
    /// The end of what this backlog covers: every message with a sequence in `(notifiedSeq, upTo]` is in `messages`.
    /// Past `notifiedSeq` when there is anything to do (edits and reactions notify nobody, but are covered too).
    public let upTo: Int64
    public let messages: [Message]

    public init(channel: Channel, notifiedSeq: Int64, upTo: Int64, messages: [Message]) {
        self.channel = channel
        self.notifiedSeq = notifiedSeq
        self.upTo = upTo
        self.messages = messages
    }
}

/// What one pass records for one channel: its cursor moved from `from` to `to`, and the notifications that produces.
public struct ChannelPass: Sendable {
    public let channelID: ChannelID
    public let from: Int64
    public let to: Int64
    public let additions: [FeedAddition]

    public init(channelID: ChannelID, from: Int64, to: Int64, additions: [FeedAddition]) {
        self.channelID = channelID
        self.from = from
        self.to = to
        self.additions = additions
    }
}

/// The fan-out's view of storage: which channels have messages nobody was notified of yet, and the one write that
/// records notifications with how far each channel has been notified.
public protocol NotificationFanoutStore: Sendable {
    /// Channels whose newest sequence is past what was notified; at most `limit`.
    func pendingChannels(limit: Int) async throws -> [(chamberID: ChamberID, channelID: ChannelID)]
    /// The backlogs of the chamber's channels among `channels` (unknown ones are left out), each covering at most
    /// `limit` sequence numbers, in a couple of statements however many channels.
    func backlogs(of channels: [ChannelID], in chamber: ChamberID, limit: Int) async throws -> [ChannelBacklog]
    /// In one transaction: for each pass, moves the channel's notified sequence from `from` to `to` and applies its
    /// additions (growing an unread notification of the same member, channel and category younger than
    /// ``Notification/collapseWindow``, or adding one; and, for additions to push, growing the member's device's
    /// unclaimed job for the same channel and category, or queueing a ``PushJob`` per active device of the member,
    /// under `claim` when one is given). A pass whose channel was no longer at `from` (another worker took it)
    /// applies nothing: every message is notified exactly once. Returns the notifications as they now stand, how many
    /// unclaimed push jobs were queued or grown, and the jobs written under `claim` as a claim reads them.
    func record(_ passes: [ChannelPass], in chamber: ChamberID, at: Date, claim: PushClaim?) async throws -> RecordedNotifications
}

/// Notices owed: each written in the transaction of the change it tells of (by the store that writes the change:
/// ``MembershipStandingStore/update(userID:_:entry:seats:notices:)``, ``InvoiceStore/record(_:entries:key:events:notices:)``,
/// ``InvoiceStore/markReminded(_:from:to:notices:)``) and forgotten in the one that records it
/// (``NotificationFeedStore/record(owed:inFeed:push:preview:mail:)``), across chambers.
public protocol NoticeOutboxStore: Sendable {
    /// Those of `ids` still owed (that this version can read).
    func owed(_ ids: [NotificationID]) async throws -> [OwedNotice]
    /// Claims up to `limit` owed notices due at `instant` (left by the node that made their change, or to be tried
    /// again), oldest first: each is due again only `lease` seconds on, so other nodes' claims pass over it
    /// meanwhile, and its try is counted (``OwedNotice/attempts`` is this one's number).
    func claim(at instant: Date, lease: TimeInterval, limit: Int) async throws -> [OwedNotice]
    /// A try that failed: the notice is due again at `retryAt`.
    func failed(_ id: NotificationID, error: String, retryAt: Date) async throws
    /// Forgets a notice given up; false when it was owed no more (recorded meanwhile).
    func abandon(_ id: NotificationID) async throws -> Bool
    /// When the earliest owed notice falls due, if any.
    func nextDue() async throws -> Date?
}
