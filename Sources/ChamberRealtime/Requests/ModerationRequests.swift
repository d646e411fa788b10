import ChamberDomain
import Foundation

// Moderation: actions, reports, the review queue and decisions (websocket.md §15).

/// `moderate`: a moderator's action (mute, kick, ban, lock, slow mode, delete …), the same as REST's.
public struct ModerateRequest: ClientRequest {
    public static let kind = ClientRequestKind.moderate
    public let action: String
    public let userId: String?
    public let channelId: String?
    public let messageId: String?
    public let durationSeconds: Int?
    public let seconds: Int?
    public let reason: String?

    enum CodingKeys: String, CodingKey {
        case action
        case userId = "user_id"
        case channelId = "channel_id"
        case messageId = "message_id"
        case durationSeconds = "duration_seconds"
        case seconds, reason
    }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let parsed = try ModerationAction.parse(
            action: action, userID: userId, channelID: channelId, messageID: messageId,
            durationSeconds: durationSeconds, seconds: seconds)
        let outcome = try await context.moderation.perform(context.access, parsed, reason: reason)
        return context.answer(ModeratedFrame(id: context.id, outcome: WireModerationOutcome(outcome)))
    }
}

/// `report`: a member reports a message to the moderators.
public struct ReportRequest: ClientRequest {
    public static let kind = ClientRequestKind.report
    public let messageId: String
    public let reason: String

    enum CodingKeys: String, CodingKey {
        case messageId = "message_id"
        case reason
    }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        // The reporter hears only that it was received (the item may hold other members' reasons).
        _ = try await context.moderation.report(context.access, messageID: try identifier(messageId, "message_id"), reason: reason)
        return context.answerOK()
    }
}

/// `review_queue`: a page of the chamber's held and reported messages.
public struct ReviewQueueRequest: ClientRequest {
    public static let kind = ClientRequestKind.reviewQueue
    public let state: String?
    public let cursor: String?
    public let limit: Int?

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let page = try await context.moderation.queue(
            context.access, state: try ReviewItem.State.parse(state),
            page: try PageRequest(limit: limit.map(String.init), cursor: cursor))
        return context.answer(ReviewQueueFrame(id: context.id, items: page.items.map(WireReviewItem.init), nextCursor: page.nextCursor))
    }
}

/// `review`: approves or rejects a queue item.
public struct ReviewRequest: ClientRequest {
    public static let kind = ClientRequestKind.review
    public let itemId: String
    public let decision: String
    public let reason: String?

    enum CodingKeys: String, CodingKey {
        case itemId = "item_id"
        case decision, reason
    }

    public func handle(_ context: RequestContext) async throws -> HubSession.Action {
        let itemID: ReviewItemID = try identifier(itemId, "item_id")
        let item = try await context.moderation.decide(context.access, itemID: itemID, approve: try ReviewItem.approves(decision), note: reason)
        return context.answer(ReviewItemFrame(id: context.id, item: WireReviewItem(item)))
    }
}
