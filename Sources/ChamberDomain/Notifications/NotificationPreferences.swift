import Foundation

/// A member's notification settings in one chamber, every one decided: the server's defaults, under the chamber's
/// choices, under the member's own.
public struct NotificationPreferences: Sendable, Equatable {
    public var levels: [NotificationCategory: [DeliveryChannel: NotificationLevel]]
    public var preview: Bool
    public var emailDigest: EmailDigest
    public var quietHours: QuietHours?
    /// The mutes in force.
    public var channelMutes: [ChannelMute]
    /// The settings this layer's owner chose (``NotificationChoices/names``); the rest come from below.
    public var custom: [String]

    public func level(_ category: NotificationCategory, on channel: DeliveryChannel) -> NotificationLevel {
        levels[category]?[channel] ?? .none
    }

    /// What the server notifies of when nobody chose anything: everything that concerns a member in particular, on
    /// every channel; ordinary channel traffic on none (a busy room would otherwise buzz every phone in it).
    public static let serverDefaults = NotificationPreferences(
        levels: Dictionary(
            uniqueKeysWithValues: NotificationCategory.allCases.map { category in
                let level: NotificationLevel = category == .channelMessages ? .none : .all
                return (category, Dictionary(uniqueKeysWithValues: DeliveryChannel.allCases.map { ($0, level) }))
            }),
        preview: true, emailDigest: .daily, quietHours: nil, channelMutes: [], custom: [])

    /// These settings with `choices` in place of them; `custom` becomes the names of `choices`.
    public func overlaid(with choices: NotificationChoices) -> NotificationPreferences {
        var result = self
        for (category, channels) in choices.levels {
            for (channel, level) in channels { result.levels[category, default: [:]][channel] = level }
        }
        if let preview = choices.preview { result.preview = preview }
        if let digest = choices.emailDigest { result.emailDigest = digest }
        if let quietHours = choices.quietHours { result.quietHours = quietHours }
        result.custom = choices.names
        return result
    }

    /// A chamber's defaults: the server's with the chamber's choices in place.
    public static func chamberDefaults(_ chamber: NotificationChoices) -> NotificationPreferences {
        serverDefaults.overlaid(with: NotificationChoices(levels: chamber.levels, preview: chamber.preview, emailDigest: chamber.emailDigest))
    }

    /// A member's settings: the chamber's defaults with the member's choices and mutes in force at `instant`.
    public static func member(
        chamber: NotificationChoices, member: NotificationChoices, mutes: [ChannelMute], at instant: Date
    ) -> NotificationPreferences {
        var result = chamberDefaults(chamber).overlaid(with: member)
        result.channelMutes = mutes.filter { $0.isInForce(at: instant) }.sorted(by: soonestEndFirst)
        return result
    }

    /// Mutes ending soonest first, mutes without end last; ties by channel, so the order is stable.
    private static func soonestEndFirst(_ a: ChannelMute, _ b: ChannelMute) -> Bool {
        let aEnd = a.until ?? .distantFuture
        let bEnd = b.until ?? .distantFuture
        return aEnd != bEnd ? aEnd < bEnd : a.channelID < b.channelID
    }
}
