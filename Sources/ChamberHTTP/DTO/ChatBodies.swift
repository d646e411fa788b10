import ChamberDomain
import ChamberRealtime
import Foundation

// REST bodies of the chat routes. Channels and messages use the same shapes as the socket's frames.

struct ChannelListBody: Encodable {
    let items: [WireChannelSummary]
}

struct MessagesBody: Encodable {
    let items: [WireMessage]
}

struct SendResultBody: Encodable {
    let status: String
    let duplicate: Bool
    let message: WireMessage?
    let reason: String?
    /// The moderation rules that changed the body (`message.body` is what was published).
    let changedBy: [String]?
}

struct ReadResultBody: Encodable {
    let channelId: String
    let seq: Int64
    let unreadCount: Int
}

struct ChannelMemberBody: Encodable {
    let userId: String
    let role: String
    let joinedAt: Date
    let lastReadSeq: Int64
    let status: String
}

struct CreateChannelRequest: Decodable {
    let kind: Channel.Kind
    let name: String
    let topic: String?
    let eventId: String?
    let members: [String]?
}

struct OpenDirectRequest: Decodable {
    let userId: String
}

struct AddMembersRequest: Decodable {
    let userIds: [String]
}

struct ReadRequest: Decodable {
    let seq: Int64
}

// Moderation

struct ModerationActionRequest: Decodable {
    let action: String
    let userId: String?
    let channelId: String?
    let messageId: String?
    let durationSeconds: Int?
    let seconds: Int?
    let reason: String?
}

struct ReviewDecisionRequest: Decodable {
    let decision: String
    let reason: String?
}

struct ReportRequest: Decodable {
    let reason: String
}

/// A chamber's moderation settings: its own (what it sets in place of the defaults) and those in force.
struct ModerationRulesBody: Encodable {
    let own: ModerationSettings
    let effective: ModerationSettings
    let wordCount: Int

    init(_ rules: ModerationService.Rules) {
        own = rules.own
        effective = rules.effective
        wordCount = rules.wordCount
    }
}
