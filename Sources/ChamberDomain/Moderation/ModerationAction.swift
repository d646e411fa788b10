import Foundation

/// Something a moderator does to a member, a channel or a message. The socket's `moderate` frame and
/// `POST /v1/chambers/{chamberId}/moderation/actions` both name it by ``name`` with the same fields.
public enum ModerationAction: Sendable, Equatable {
    /// Silences a member in a channel (or the whole chamber when `channel` is nil) for `seconds` (nil: until lifted).
    case mute(UserID, channel: ChannelID?, seconds: Int?)
    case unmute(UserID, channel: ChannelID?)
    /// Removes a member from a group or event room; they may not join it again for `seconds` (nil: until lifted).
    case kick(UserID, channel: ChannelID, seconds: Int?)
    /// Keeps a member out of the chamber (sockets closed on every node) for `seconds` (nil: until lifted).
    case ban(UserID, seconds: Int?)
    case unban(UserID)
    /// Only moderators, staff and admins post while a channel is locked.
    case lock(ChannelID)
    case unlock(ChannelID)
    /// One message per member per `seconds` in the channel (0 turns slow mode off).
    case slowMode(ChannelID, seconds: Int)
    /// Deletes any member's message.
    case deleteMessage(MessageID)

    public static let names = ["mute", "unmute", "kick", "ban", "unban", "lock", "unlock", "slow_mode", "delete_message"]

    /// The longest sanction with an end (a year); longer ones are "until lifted".
    public static let maxSeconds = 366 * 24 * 3600

    public var name: String {
        switch self {
        case .mute: "mute"
        case .unmute: "unmute"
        case .kick: "kick"
        case .ban: "ban"
        case .unban: "unban"
        case .lock: "lock"
        case .unlock: "unlock"
        case .slowMode: "slow_mode"
        case .deleteMessage: "delete_message"
        }
    }

    /// Builds an action from the wire's fields, naming the missing or wrong one.
    public static func parse(
        action: String, userID: String?, channelID: String?, messageID: String?, durationSeconds: Int?,
        seconds: Int?
    ) throws(ChamberError) -> ModerationAction {
        func user() throws(ChamberError) -> UserID {
            guard let userID else { throw ChamberError(.validationFailed, "\(action) needs user_id", field: "user_id") }
            return try Validate.identifier(userID, as: UserID.self, field: "user_id")
        }
        func channel() throws(ChamberError) -> ChannelID {
            guard let channelID else { throw ChamberError(.validationFailed, "\(action) needs channel_id", field: "channel_id") }
            return try Validate.identifier(channelID, as: ChannelID.self, field: "channel_id")
        }
        func optionalChannel() throws(ChamberError) -> ChannelID? { channelID == nil ? nil : try channel() }
        func duration() throws(ChamberError) -> Int? {
            guard let durationSeconds else { return nil }
            guard (1...maxSeconds).contains(durationSeconds) else {
                throw ChamberError(
                    .validationFailed, "duration_seconds must be from 1 to \(maxSeconds) (leave it out for 'until lifted')", field: "duration_seconds"
                )
            }
            return durationSeconds
        }
        switch action {
        case "mute": return .mute(try user(), channel: try optionalChannel(), seconds: try duration())
        case "unmute": return .unmute(try user(), channel: try optionalChannel())
        case "kick": return .kick(try user(), channel: try channel(), seconds: try duration())
        case "ban": return .ban(try user(), seconds: try duration())
        case "unban": return .unban(try user())
        case "lock": return .lock(try channel())
        case "unlock": return .unlock(try channel())
        case "slow_mode":
            guard let seconds else { throw ChamberError(.validationFailed, "slow_mode needs seconds (0 turns it off)", field: "seconds") }
            guard (0...3600).contains(seconds) else { throw ChamberError(.validationFailed, "seconds must be from 0 to 3600", field: "seconds") }
            return .slowMode(try channel(), seconds: seconds)
        case "delete_message":
            guard let messageID else { throw ChamberError(.validationFailed, "delete_message needs message_id", field: "message_id") }
            return .deleteMessage(try Validate.identifier(messageID, as: MessageID.self, field: "message_id"))
        default:
            throw ChamberError(.validationFailed, "action must be one of \(names.joined(separator: ", "))", field: "action")
        }
    }
}

/// What an action did.
public struct ModerationOutcome: Sendable, Equatable {
    public let action: String
    /// The sanction it put in force (mute, kick, ban).
    public var sanction: Sanction?
    /// Sanctions it lifted (unmute, unban).
    public var lifted: [Sanction] = []
    /// The channel as it is now (lock, unlock, slow mode, kick).
    public var channel: Channel?
    /// The event it appended (delete_message).
    public var seq: Int64?

    public init(action: String, sanction: Sanction? = nil, lifted: [Sanction] = [], channel: Channel? = nil, seq: Int64? = nil) {
        self.action = action
        self.sanction = sanction
        self.lifted = lifted
        self.channel = channel
        self.seq = seq
    }
}
