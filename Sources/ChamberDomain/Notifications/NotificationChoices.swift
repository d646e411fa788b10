import Foundation

/// Notification settings that someone chose, each one optional: what a chamber set over the server's defaults, or
/// what a member set over their chamber's. A setting left nil follows the layer below.
public struct NotificationChoices: Sendable, Equatable, Codable {
    public var levels: [NotificationCategory: [DeliveryChannel: NotificationLevel]]
    public var preview: Bool?
    public var emailDigest: EmailDigest?
    /// A member's own; chambers do not set quiet hours for their members.
    public var quietHours: QuietHours?

    public init(
        levels: [NotificationCategory: [DeliveryChannel: NotificationLevel]] = [:], preview: Bool? = nil, emailDigest: EmailDigest? = nil,
        quietHours: QuietHours? = nil
    ) {
        self.levels = levels
        self.preview = preview
        self.emailDigest = emailDigest
        self.quietHours = quietHours
    }

    private enum CodingKeys: String, CodingKey {
        case levels, preview
        case emailDigest = "email_digest"
        case quietHours = "quiet_hours"
    }

    /// The names of the settings chosen, as the API lists them (`categories.mentions.push`, `preview`, …), sorted.
    public var names: [String] {
        var names: [String] = []
        for category in NotificationCategory.allCases {
            for channel in DeliveryChannel.allCases where levels[category]?[channel] != nil {
                names.append("categories.\(category.rawValue).\(channel.rawValue)")
            }
        }
        if preview != nil { names.append("preview") }
        if emailDigest != nil { names.append("email_digest") }
        if quietHours != nil { names.append("quiet_hours") }
        return names
    }

    /// These choices with `patch` applied: a value sets a choice, an explicit nil clears it, absence leaves it.
    public func applying(_ patch: NotificationChoicesPatch) -> NotificationChoices {
        var result = self
        for (category, channels) in patch.levels {
            var levels = result.levels[category] ?? [:]
            for (channel, level) in channels { levels[channel] = level }
            result.levels[category] = levels.isEmpty ? nil : levels
        }
        if let preview = patch.preview { result.preview = preview }
        if let digest = patch.emailDigest { result.emailDigest = digest }
        if let quietHours = patch.quietHours { result.quietHours = quietHours }
        return result
    }
}

/// A change to ``NotificationChoices``: for each setting, absent (outer nil) leaves it, `.some(nil)` clears it.
public struct NotificationChoicesPatch: Sendable, Equatable {
    public var levels: [NotificationCategory: [DeliveryChannel: NotificationLevel?]]
    public var preview: Bool??
    public var emailDigest: EmailDigest??
    public var quietHours: QuietHours??

    public init(
        levels: [NotificationCategory: [DeliveryChannel: NotificationLevel?]] = [:], preview: Bool?? = nil, emailDigest: EmailDigest?? = nil,
        quietHours: QuietHours?? = nil
    ) {
        self.levels = levels
        self.preview = preview
        self.emailDigest = emailDigest
        self.quietHours = quietHours
    }
}

/// A mute of one channel's notifications for one member, until `until` or without end.
public struct ChannelMute: Sendable, Equatable {
    public let channelID: ChannelID
    public let until: Date?

    public init(channelID: ChannelID, until: Date?) {
        self.channelID = channelID
        self.until = until
    }

    public func isInForce(at instant: Date) -> Bool { until.map { $0 > instant } ?? true }
}
