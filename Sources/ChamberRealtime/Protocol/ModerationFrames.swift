import ChamberDomain
import Foundation

// The moderation frames of protocol v1 (Protocol/websocket.md §14), shared with REST's bodies where the shapes agree.

/// A review queue item as moderators see it.
public struct WireReviewItem: Encodable, Sendable {
    public let id: String
    public let kind: String
    public let state: String
    public let channelId: String
    public let messageId: String
    public let authorId: String
    public let body: String
    /// Omitted when the message carries none.
    public let attachments: [WireAttachment]?
    public let rule: String?
    public let reason: String
    public let reports: Int
    public let createdAt: Date
    public let decidedBy: String?
    public let decidedAt: Date?
    public let decisionNote: String?

    public init(_ item: ReviewItem) {
        id = item.id.rawValue
        kind = item.kind.rawValue
        state = item.state.rawValue
        channelId = item.channelID.rawValue
        messageId = item.messageID.rawValue
        authorId = item.authorID.rawValue
        body = item.body
        attachments = item.attachments.isEmpty ? nil : item.attachments.map(WireAttachment.init)
        rule = item.rule
        reason = item.reason
        reports = item.reports
        createdAt = item.createdAt
        decidedBy = item.decidedBy?.rawValue
        decidedAt = item.decidedAt
        decisionNote = item.decisionNote
    }
}

/// A sanction as moderators see it.
public struct WireSanction: Encodable, Sendable {
    public let id: String
    public let kind: String
    public let userId: String
    public let channelId: String?
    public let reason: String?
    public let createdBy: String
    public let createdAt: Date
    public let expiresAt: Date?
    public let liftedAt: Date?

    public init(_ sanction: Sanction) {
        id = sanction.id.rawValue
        kind = sanction.kind.rawValue
        userId = sanction.userID.rawValue
        channelId = sanction.channelID?.rawValue
        reason = sanction.reason
        createdBy = sanction.createdBy.rawValue
        createdAt = sanction.createdAt
        expiresAt = sanction.expiresAt
        liftedAt = sanction.liftedAt
    }
}

/// What a moderation action did (the reply to `moderate`, and the body of REST's action call).
public struct WireModerationOutcome: Encodable, Sendable {
    public let action: String
    public let sanction: WireSanction?
    public let lifted: [WireSanction]
    public let channel: WireChannel?
    public let seq: Int64?

    public init(_ outcome: ModerationOutcome) {
        action = outcome.action
        sanction = outcome.sanction.map(WireSanction.init)
        lifted = outcome.lifted.map(WireSanction.init)
        channel = outcome.channel.map(WireChannel.init)
        seq = outcome.seq
    }
}

/// The reply to `moderate`.
public struct ModeratedFrame: Encodable, Sendable {
    public let type = "moderated"
    public let id: String?
    public let outcome: WireModerationOutcome
}

/// A queue item: the reply to `report` and `review`, and pushed to online moderators whenever the queue changes.
public struct ReviewItemFrame: Encodable, Sendable {
    public let type = "review_item"
    public let id: String?
    public let item: WireReviewItem
}

/// The reply to `review_queue`.
public struct ReviewQueueFrame: Encodable, Sendable {
    public let type = "review_queue"
    public let id: String?
    public let items: [WireReviewItem]
    public let nextCursor: String?
}

/// Tells a member about moderation of them or their messages.
public struct ModerationNoticeFrame: Encodable, Sendable {
    public let type = "moderation_notice"
    public let kind: String
    public let channelId: String?
    public let messageId: String?
    public let clientMessageId: String?
    public let seq: Int64?
    public let reason: String?
    public let until: Date?

    public init(_ notice: ModerationNotice) {
        kind = notice.kind.rawValue
        channelId = notice.channelID?.rawValue
        messageId = notice.messageID?.rawValue
        clientMessageId = notice.clientMessageID
        seq = notice.seq
        reason = notice.reason
        until = notice.until
    }
}
