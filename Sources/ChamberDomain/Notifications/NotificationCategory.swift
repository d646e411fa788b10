/// What a notification is about. Every notification has exactly one category.
///
/// A message in a direct channel is ``directMessages``; in an announcement channel, ``announcements``; in a group
/// or event room, ``mentions`` when it names the recipient or replies to them, otherwise ``channelMessages``.
public enum NotificationCategory: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable {
    case directMessages = "direct_messages"
    case mentions
    case announcements
    case channelMessages = "channel_messages"
    case events
    case membership
    case billing

    /// Mail about the member's own business with the chamber (their invoices, their membership): kept by a one-click
    /// unsubscribe from notification mail, stopped only by the member's own level of `none`.
    public var isTransactional: Bool { self == .membership || self == .billing }
}

/// The ways a notification reaches a member.
public enum DeliveryChannel: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable {
    case push
    case email
    case inApp = "in_app"
}

/// How much of a category a member wants on one delivery channel.
public enum NotificationLevel: String, Sendable, Codable, CaseIterable {
    case all
    /// Only notifications that name the member: a mention of them or a reply to their message.
    case mentions
    case none

    func admits(namingRecipient: Bool) -> Bool {
        switch self {
        case .all: true
        case .mentions: namingRecipient
        case .none: false
        }
    }
}

/// When e-mail goes out for what a member has not read.
public enum EmailDigest: String, Sendable, Codable, CaseIterable {
    /// Each notification on its own, as it happens.
    case immediate
    case hourly
    case daily
}
