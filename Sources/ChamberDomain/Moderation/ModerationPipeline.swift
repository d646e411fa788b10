import Foundation

/// What a filter decides about a message.
public enum ModerationVerdict: Sendable, Equatable {
    /// Publish as is.
    case allow
    /// Publish with the matched text replaced (the pipeline goes on with the masked text).
    case mask(String)
    /// Keep it for a moderator to review; it is not published now.
    case hold(reason: String)
    /// Refuse it; the sender is told `code` and `reason`.
    case reject(code: ChamberError.Code, reason: String)
}

/// What a filter may know about the message.
public struct ModerationContext: Sendable {
    public let chamberID: ChamberID
    public let channelID: ChannelID
    public let senderID: UserID
    public let senderRole: Role
    public let at: Date
    /// When the sender joined the chamber, for rules that hold new members to more (nil: unknown, not new).
    public let memberSince: Date?

    public init(chamberID: ChamberID, channelID: ChannelID, senderID: UserID, senderRole: Role, at: Date, memberSince: Date? = nil) {
        self.chamberID = chamberID
        self.channelID = channelID
        self.senderID = senderID
        self.senderRole = senderRole
        self.at = at
        self.memberSince = memberSince
    }

    /// Roles that keep the chamber's rules rather than being held to them (admins, staff, moderators).
    public var isModerating: Bool { senderRole >= .moderator }
}

/// One rule of moderation. Filters are pure and fast: they run on every message before it is stored.
public protocol MessageFilter: Sendable {
    /// A stable name, reported when the filter fires.
    var name: String { get }
    func evaluate(_ text: String, context: ModerationContext) -> ModerationVerdict
}

/// The result of running every filter.
public struct ModerationResult: Sendable, Equatable {
    public enum Decision: Sendable, Equatable {
        case publish(text: String)
        case hold(rule: String, reason: String)
        case reject(rule: String, code: ChamberError.Code, reason: String)
    }

    public let decision: Decision
    /// The filters that fired, in order.
    public let firedRules: [String]
    /// The filters that changed the text, in order (a `publish` whose text differs from what was sent names them).
    public var changedBy: [String] { decision.isHold || decision.isReject ? [] : firedRules }
}

extension ModerationResult.Decision {
    var isHold: Bool { if case .hold = self { true } else { false } }
    var isReject: Bool { if case .reject = self { true } else { false } }
}

/// Filters in order: masks accumulate, the first hold or reject ends the run.
///
/// Two rules hold whatever the filters are:
/// - moderators, staff and admins are exempt: their messages are published exactly as written;
/// - no mask may change a number, link, address, mention or code (``ProtectedText``): a mask that would is turned
///   into a hold for review, so a member's figures and links are never silently altered.
public struct ModerationPipeline: Sendable {
    public let filters: [any MessageFilter]

    public init(filters: [any MessageFilter]) {
        self.filters = filters
    }

    public static let empty = ModerationPipeline(filters: [])

    public func run(_ text: String, context: ModerationContext) -> ModerationResult {
        guard !context.isModerating else { return ModerationResult(decision: .publish(text: text), firedRules: []) }
        var current = text
        var fired: [String] = []
        var protected: ProtectedText?
        for filter in filters {
            switch filter.evaluate(current, context: context) {
            case .allow:
                continue
            case .mask(let masked):
                fired.append(filter.name)
                let before = protected ?? ProtectedText(current)
                let after = ProtectedText(masked)
                guard after.tokens == before.tokens else {
                    let reason = "the rule '\(filter.name)' would change a number, link, address, mention or code; a moderator reviews it instead"
                    return ModerationResult(decision: .hold(rule: filter.name, reason: reason), firedRules: fired)
                }
                protected = after
                current = masked
            case .hold(let reason):
                fired.append(filter.name)
                return ModerationResult(decision: .hold(rule: filter.name, reason: reason), firedRules: fired)
            case .reject(let code, let reason):
                fired.append(filter.name)
                return ModerationResult(decision: .reject(rule: filter.name, code: code, reason: reason), firedRules: fired)
            }
        }
        return ModerationResult(decision: .publish(text: current), firedRules: fired)
    }
}
