import Foundation

/// Sanctions, reports and the review queue of one chamber.
public protocol ModerationStore: Sendable {
    func addSanction(_ sanction: Sanction) async throws
    /// The user's sanctions in force at `date`.
    func activeSanctions(userID: UserID, at date: Date) async throws -> [Sanction]
    /// Every sanction in force at `date`, newest first.
    func activeSanctions(at date: Date, page: PageRequest) async throws -> Page<Sanction>
    /// Lifts the user's sanctions of `kind` in force (in `channelID`, or chamber-wide when nil); returns them.
    func liftSanctions(userID: UserID, kind: Sanction.Kind, channelID: ChannelID?, at date: Date, by: UserID) async throws -> [Sanction]

    /// Records a member's report of a message and files it in the queue (one pending item per message, counting
    /// its reports). Throws `already_reported` when this member reported the message before.
    func report(_ message: Message, reporterID: UserID, reason: String, at date: Date) async throws -> ReviewItem
    func item(id: ReviewItemID) async throws -> ReviewItem?
    /// Whether a pending item of the channel is about a message whose attachments name `file` (moderators open it).
    func pendingItemNames(_ file: FileID, channelID: ChannelID) async throws -> Bool
    /// The queue, oldest first, in one state (or all).
    func queue(state: ReviewItem.State?, page: PageRequest) async throws -> Page<ReviewItem>
    /// Records a decision on a pending item; throws `already_decided` when someone decided it first.
    func decide(_ id: ReviewItemID, state: ReviewItem.State, by: UserID, at date: Date, note: String?) async throws -> ReviewItem
    /// Puts back in the queue an item decided by `by` at `date` whose decision could not be carried out (an approved
    /// message that could not be published); does nothing if it was decided otherwise since.
    func reopen(_ id: ReviewItemID, decidedBy by: UserID, at date: Date) async throws
    /// The message a held item keeps (published only when approved).
    func heldMessage(itemID: ReviewItemID) async throws -> Message?

    /// The chamber's own moderation settings (nil: it runs the defaults).
    func settings() async throws -> ModerationSettings?
    func saveSettings(_ settings: ModerationSettings, by: UserID, at date: Date) async throws
}

/// Tells people about moderation as it happens (the hub, on every node).
public protocol ModerationNotifier: Sendable {
    /// A queue item was added or changed: the chamber's online moderators see it at once.
    func reviewItemChanged(_ item: ReviewItem, moderators: [UserID]) async
    /// Something happened to a member's message or standing; they are told on every socket they have.
    func notify(_ notice: ModerationNotice) async
    /// The user is banned: every socket of theirs in the chamber closes, on every node.
    func banned(userID: UserID, chamberID: ChamberID) async
}

/// What a member is told about moderation of them or their messages.
public struct ModerationNotice: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A held message was approved and published (`messageID`, `seq`).
        case heldApproved = "held_approved"
        /// A held message was rejected (`reason`): it will not be published.
        case heldRejected = "held_rejected"
        /// A moderator deleted the member's message.
        case messageRemoved = "message_removed"
        case muted, unmuted, kicked, banned
    }

    public let kind: Kind
    public let chamberID: ChamberID
    public let userID: UserID
    public var channelID: ChannelID?
    public var messageID: MessageID?
    public var clientMessageID: String?
    public var seq: Int64?
    public var reason: String?
    public var until: Date?

    public init(
        kind: Kind, chamberID: ChamberID, userID: UserID, channelID: ChannelID? = nil, messageID: MessageID? = nil, clientMessageID: String? = nil,
        seq: Int64? = nil, reason: String? = nil, until: Date? = nil
    ) {
        self.kind = kind
        self.chamberID = chamberID
        self.userID = userID
        self.channelID = channelID
        self.messageID = messageID
        self.clientMessageID = clientMessageID
        self.seq = seq
        self.reason = reason
        self.until = until
    }
}
