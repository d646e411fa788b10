import Foundation

public typealias ReviewItemID = Identifier<ReviewItem>

/// An entry of a chamber's review queue: a message moderation held before publishing, or a published message
/// members reported. A moderator decides each once.
public struct ReviewItem: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Held by a rule: not published; approving publishes it at the channel's next sequence.
        case held
        /// Published and reported by members: approving keeps it, rejecting deletes it.
        case report
    }

    public enum State: String, Sendable, Codable, CaseIterable {
        case pending, approved, rejected

        /// The state a client asked to list (`pending` when it named none).
        public static func parse(_ raw: String?) throws(ChamberError) -> State {
            guard let raw else { return .pending }
            guard let state = State(rawValue: raw) else {
                throw ChamberError(.validationFailed, "state must be pending, approved or rejected", field: "state")
            }
            return state
        }
    }

    /// Whether a client's `decision` approves (`approve`) or rejects (`reject`).
    public static func approves(_ decision: String) throws(ChamberError) -> Bool {
        guard decision == "approve" || decision == "reject" else {
            throw ChamberError(.validationFailed, "decision must be approve or reject", field: "decision")
        }
        return decision == "approve"
    }

    public let id: ReviewItemID
    public let chamberID: ChamberID
    public let kind: Kind
    public let channelID: ChannelID
    /// The message: for `held`, the id it will have once approved.
    public let messageID: MessageID
    public let authorID: UserID
    /// The text under review, as it stood when the item was made.
    public let body: String
    /// The files the message carries (a report's: as the message stands now; none once it is deleted).
    public let attachments: [Attachment]
    /// The rule that held it (`held`).
    public let rule: String?
    /// Why: the rule's reason, or the latest report's.
    public var reason: String
    /// How many members reported it (`report`).
    public var reports: Int
    public var state: State
    public let createdAt: Date
    public var decidedBy: UserID?
    public var decidedAt: Date?
    /// The moderator's note with the decision (told to the author on a rejection).
    public var decisionNote: String?

    public init(
        id: ReviewItemID = .generate(), chamberID: ChamberID, kind: Kind, channelID: ChannelID, messageID: MessageID, authorID: UserID,
        body: String, attachments: [Attachment] = [], rule: String?, reason: String, reports: Int = 0, state: State = .pending, createdAt: Date,
        decidedBy: UserID? = nil, decidedAt: Date? = nil, decisionNote: String? = nil
    ) {
        self.id = id
        self.chamberID = chamberID
        self.kind = kind
        self.channelID = channelID
        self.messageID = messageID
        self.authorID = authorID
        self.body = body
        self.attachments = attachments
        self.rule = rule
        self.reason = reason
        self.reports = reports
        self.state = state
        self.createdAt = createdAt
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.decisionNote = decisionNote
    }
}
