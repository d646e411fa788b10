import Foundation

/// Something that may concern a member, as far as deciding whether and how to tell them goes.
public struct NotificationIntent: Sendable, Equatable {
    public var category: NotificationCategory
    /// The channel it happened in, for mutes; nil for what belongs to no channel (an invoice, an application).
    public var channelID: ChannelID?
    /// Whether it names the recipient: a mention of them, or a reply to their message.
    public var namesRecipient: Bool
    /// An announcement the chamber marked urgent: it passes quiet hours.
    public var urgent: Bool

    public init(category: NotificationCategory, channelID: ChannelID? = nil, namesRecipient: Bool = false, urgent: Bool = false) {
        self.category = category
        self.channelID = channelID
        self.namesRecipient = namesRecipient
        self.urgent = urgent
    }
}

/// How one notification reaches one member.
public struct NotificationDecision: Sendable, Equatable {
    /// When its e-mail goes out.
    public enum Email: Sendable, Equatable {
        /// At once (an `immediate` digest outside quiet hours).
        case now
        /// Not before this moment: the end of the member's quiet hours.
        case after(Date)
        /// With the member's next hourly or daily digest, if still unread by then.
        case inDigest
    }

    public var inApp: Bool
    public var push: Bool
    public var email: Email?

    public init(inApp: Bool, push: Bool, email: Email?) {
        self.inApp = inApp
        self.push = push
        self.email = email
    }

    public static let nothing = NotificationDecision(inApp: false, push: false, email: nil)
}

/// Decides, per recipient, how a notification reaches them. Pure: the caller brings the recipient's settings,
/// whether they are connected, and the time.
public enum NotificationPolicy {
    /// - Parameter connected: whether the recipient has a socket in the foreground on some node; push is for those
    ///   who have none.
    public static func decide(
        _ intent: NotificationIntent, for preferences: NotificationPreferences, connected: Bool, at instant: Date
    ) -> NotificationDecision {
        if let channel = intent.channelID, preferences.channelMutes.contains(where: { $0.channelID == channel && $0.isInForce(at: instant) }) {
            return .nothing
        }
        func admitted(_ channel: DeliveryChannel) -> Bool {
            preferences.level(intent.category, on: channel).admits(namingRecipient: intent.namesRecipient)
        }
        let quiet = !intent.urgent && (preferences.quietHours?.contains(instant) ?? false)
        var email: NotificationDecision.Email?
        if admitted(.email) {
            switch preferences.emailDigest {
            case .immediate: email = quiet ? .after(preferences.quietHours?.nextEnd(after: instant) ?? instant) : .now
            case .hourly, .daily: email = .inDigest
            }
        }
        return NotificationDecision(inApp: admitted(.inApp), push: admitted(.push) && !connected && !quiet, email: email)
    }
}
