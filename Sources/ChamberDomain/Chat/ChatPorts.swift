import Foundation

/// The outcome of appending a message.
public enum AppendOutcome: Sendable, Equatable {
    /// Stored at a new sequence number.
    case appended(ChannelEvent)
    /// The sender had already sent this client message id: here is the stored message, unchanged.
    case duplicate(Message)
    /// The sender's send under this client message id was held for review: nothing was stored (its state is read
    /// with ``MessageStore/findHeld(_:senderID:clientMessageID:)``).
    case heldBefore
}

/// What a send checks before it is queued (see ``ChannelStore/sendContext(_:senderID:clientMessageID:at:)``). The
/// rare cases, a retry or a sanction, are flags: their details are read only when set.
public struct SendContext: Sendable, Equatable {
    public let channel: Channel
    public let member: ChannelMember?
    /// A message stored under this client message id by this sender.
    public let sentBefore: Bool
    /// A send held for review under this client message id by this sender.
    public let heldBefore: Bool
    /// Some sanction on the sender is in force (it may or may not silence them in this channel).
    public let sanctioned: Bool

    public init(channel: Channel, member: ChannelMember?, sentBefore: Bool, heldBefore: Bool, sanctioned: Bool) {
        self.channel = channel
        self.member = member
        self.sentBefore = sentBefore
        self.heldBefore = heldBefore
        self.sanctioned = sanctioned
    }
}

/// A message queued for storing (``MessageStore/enqueue(_:)``).
public struct PendingAppend: Sendable {
    private let outcome: @Sendable () async throws -> AppendOutcome

    public init(_ outcome: @escaping @Sendable () async throws -> AppendOutcome) {
        self.outcome = outcome
    }

    /// Waits until the message is stored (or refused) and says how.
    public func stored() async throws -> AppendOutcome { try await outcome() }
}

/// Channels, their members and read positions, inside one chamber.
public protocol ChannelStore: Sendable {
    /// Creates a channel with its first members. Throws `conflict` when a DM between the two exists already.
    func create(_ channel: Channel, members: [ChannelMember], directKey: String?) async throws
    func find(id: ChannelID) async throws -> Channel?
    func findDirect(key: String) async throws -> Channel?
    func update(_ channel: Channel) async throws
    func member(_ channelID: ChannelID, userID: UserID) async throws -> ChannelMember?
    func members(_ channelID: ChannelID, page: PageRequest) async throws -> Page<ChannelMember>
    /// Every member of each of `channelIDs`, a statement per 500 channels (meant for small channels such as DMs:
    /// nothing is paged). A channel with no members, or that does not exist, is absent.
    func members(ofEach channelIDs: [ChannelID]) async throws -> [ChannelID: [ChannelMember]]
    /// Adds a member; does nothing if they are one already.
    func addMember(_ member: ChannelMember) async throws
    /// Gives a member another role; false when they are not a member.
    func setRole(_ role: ChannelMember.Role, of userID: UserID, in channelID: ChannelID) async throws -> Bool
    /// The channel's owners (an event room's organisers), in no particular order.
    func owners(of channelID: ChannelID) async throws -> [UserID]
    func removeMember(_ channelID: ChannelID, userID: UserID) async throws -> Bool
    /// Channels the user belongs to, plus every announcement channel, newest activity first.
    func summaries(for userID: UserID) async throws -> [ChannelSummary]
    /// Raises the user's read position to `seq` (never lowers it); returns the position now stored. `asReader`:
    /// the user reads without being a member (announcements), and a reader row is kept for the position.
    func markRead(_ channelID: ChannelID, userID: UserID, seq: Int64, at: Date, asReader: Bool) async throws -> Int64
    /// What a send needs to know before it is queued, read at once: the channel, the sender's membership, whether
    /// this client message id was sent or held before, and whether any sanction on the sender is in force at `at`.
    /// Nil when the channel does not exist.
    func sendContext(_ channelID: ChannelID, senderID: UserID, clientMessageID: String, at: Date) async throws -> SendContext?
    /// The stored message a sender already sent with this client message id, if any.
    func findSent(_ channelID: ChannelID, senderID: UserID, clientMessageID: String) async throws -> Message?
    func unreadCount(_ channelID: ChannelID, userID: UserID) async throws -> Int
}

/// Messages and the channel event stream, inside one chamber. Every write appends an event at the channel's
/// next sequence number in the same transaction, so sequences are gapless and the same for every reader.
public protocol MessageStore: Sendable {
    /// Publishes a message at the next sequence, or returns the earlier one with the same (sender, client message id)
    /// (or `heldBefore` when a send under that id was held for review).
    func append(_ message: Message) async throws -> AppendOutcome
    /// Queues a message for storing behind those queued before it, and returns at once: its outcome, as ``append(_:)``
    /// would give it, comes from ``PendingAppend/stored()`` (to be asked once). A sender's pipelined sends keep their
    /// order this way while one transaction stores them together.
    func enqueue(_ message: Message) throws -> PendingAppend
    func find(id: MessageID) async throws -> Message?
    /// Changes a message and appends the event describing it, atomically: the message is read again under the
    /// channel's lock, so concurrent edits, deletes and reactions never overwrite each other. `change` may throw
    /// to refuse (nothing is written then).
    func modify(_ messageID: MessageID, at: Date, change: @Sendable (inout Message) throws -> ChannelEvent.Body) async throws -> ChannelEvent
    /// Adds or removes a reaction; returns nil when nothing changed.
    func react(messageID: MessageID, userID: UserID, emoji: String, add: Bool, at: Date) async throws -> ChannelEvent?
    /// Messages by sequence: the newest `limit` before `before`, or the oldest `limit` after `after`; ascending.
    func history(_ channelID: ChannelID, before: Int64?, after: Int64?, limit: Int) async throws -> [Message]
    /// Events with sequence greater than `after`, ascending, at most `limit`.
    func events(_ channelID: ChannelID, after: Int64, limit: Int) async throws -> [ChannelEvent]
    /// Keeps a message that moderation held for review (it has no sequence until approved) and files it in the
    /// review queue, in one transaction. Holding the same (sender, client message id) twice keeps one: nil then.
    func hold(_ message: Message, rule: String, reason: String) async throws -> ReviewItem?
    /// The queue item of a held send, if this (sender, client message id) was held.
    func findHeld(_ channelID: ChannelID, senderID: UserID, clientMessageID: String) async throws -> ReviewItem?
    /// When the sender last published in the channel (for slow mode).
    func lastSent(_ channelID: ChannelID, senderID: UserID) async throws -> Date?
}

extension ChamberScopedStore {
    public var channels: any ChannelStore { chat.channels }
    public var messages: any MessageStore { chat.messages }
}

/// The chat stores of a chamber.
public struct ChatStores: Sendable {
    public let channels: any ChannelStore
    public let messages: any MessageStore
    public init(channels: any ChannelStore, messages: any MessageStore) {
        self.channels = channels
        self.messages = messages
    }
}

/// Told when a member's standing in a chamber changes, so live connections follow at once (the hub closes them).
public protocol MembershipObserver: Sendable {
    /// The user left or was removed: their sockets in the chamber are closed, not to reconnect.
    func memberRemoved(chamberID: ChamberID, userID: UserID) async
    /// The user's role changed: their sockets reconnect to pick up the new rights.
    func roleChanged(chamberID: ChamberID, userID: UserID) async
}

/// Delivers stored channel events to connected readers (the hub, through the broker).
public protocol ChannelEventPublisher: Sendable {
    func publish(_ event: ChannelEvent) async
    /// Tells connected members that their channel list changed (joined, left, archived). `revoked`: the members
    /// lost the channel (left or removed), so their live subscriptions end.
    func channelChanged(_ channel: Channel, members: [UserID], revoked: Bool) async
}

/// Hears that a member read a channel up to a sequence (on any device), after it is stored.
public protocol ChannelReadObserver: Sendable {
    func channelRead(_ access: ChamberAccess, channelID: ChannelID, upTo seq: Int64) async throws
}
