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
    /// The mutes of `channelID` by any of `users`, by user.
    func mutes(of channelID: ChannelID, by users: [UserID]) async throws -> [UserID: ChannelMute]
}

/// One chamber's in-app feeds.
public protocol NotificationFeedStore: Sendable {
    /// The member's notifications, most recently grown first.
    func page(of user: UserID, unreadOnly: Bool, page: PageRequest) async throws -> Page<Notification>
    func unreadCount(of user: UserID) async throws -> Int
    /// Marks the member's notifications read; returns those it changed and the unread count after.
    func markRead(_ selection: FeedReadSelection, of user: UserID, at: Date) async throws -> (read: [NotificationID], unread: Int)
    /// Marks read the member's notifications of a channel up to `seq` (they read the channel); returns those it changed.
    func markChannelRead(_ channelID: ChannelID, upTo seq: Int64, of user: UserID, at: Date) async throws -> (read: [NotificationID], unread: Int)
}

/// The fan-out's view of storage: which channels have messages nobody was notified of yet, and the one write that
/// records notifications with how far a channel has been notified.
public protocol NotificationFanoutStore: Sendable {
    /// Channels whose newest sequence is past what was notified; at most `limit`.
    func pendingChannels(limit: Int) async throws -> [(chamberID: ChamberID, channelID: ChannelID)]
    /// How far the channel has been notified (0 when never), the messages after that (at most `limit`), and the
    /// sequence this pass covers: the last of those messages when `limit` cut them short, otherwise the channel's
    /// newest (edits and reactions past the last message are covered too, as they notify nobody).
    func unnotified(
        _ channelID: ChannelID, in chamber: ChamberID, limit: Int
    ) async throws -> (
        notifiedSeq: Int64, messages: [Message], upTo: Int64
    )
    /// In one transaction: moves the channel's notified sequence from `from` to `to` and applies `additions`
    /// (growing an unread notification of the same member, channel and category younger than
    /// ``Notification/collapseWindow``, or adding one). Returns nil, applying nothing, when the channel was no longer
    /// at `from` (another worker took it): every message is notified exactly once.
    func record(
        _ additions: [FeedAddition], channelID: ChannelID, in chamber: ChamberID, from: Int64, to: Int64, at: Date
    ) async throws -> [FeedChange]?
}
