import Foundation

/// A member's notification settings as a client sends them, before they are checked: categories and delivery
/// channels by their wire names.
public struct NotificationChoicesInput: Sendable {
    /// category → delivery channel → level; a nil level clears the choice.
    public var levels: [String: [String: String?]]
    public var preview: Bool??
    public var emailDigest: String??
    public var quietHours: QuietHoursInput??

    public init(levels: [String: [String: String?]] = [:], preview: Bool?? = nil, emailDigest: String?? = nil, quietHours: QuietHoursInput?? = nil) {
        self.levels = levels
        self.preview = preview
        self.emailDigest = emailDigest
        self.quietHours = quietHours
    }
}

/// Quiet hours as a client sends them.
public struct QuietHoursInput: Sendable {
    public var start: String
    public var end: String
    public var timeZone: String?

    public init(start: String, end: String, timeZone: String?) {
        self.start = start
        self.end = end
        self.timeZone = timeZone
    }
}

/// Members' notification preferences in a chamber, and the chamber's defaults.
public final class NotificationPreferencesService: Sendable {
    private let store: any Store
    private let chat: ChatService
    private let now: @Sendable () -> Date

    public init(store: any Store, chat: ChatService, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.chat = chat
        self.now = now
    }

    private func settings(_ access: ChamberAccess) -> any NotificationSettingsStore {
        store.scoped(to: access.chamberID).notificationSettings
    }

    /// The caller's preferences in the chamber: every setting decided.
    public func preferences(_ access: ChamberAccess) async throws -> NotificationPreferences {
        let settings = settings(access)
        return NotificationPreferences.member(
            chamber: try await settings.chamberChoices(), member: try await settings.memberChoices(of: access.userID),
            mutes: try await settings.mutes(of: access.userID), at: now())
    }

    /// Changes some of the caller's choices; nothing is stored unless all of the input is valid.
    public func update(_ access: ChamberAccess, _ input: NotificationChoicesInput) async throws -> NotificationPreferences {
        let patch = try await patch(from: input, access: access, allowQuietHours: true)
        _ = try await settings(access).updateMemberChoices(of: access.userID, applying: patch, at: now())
        return try await preferences(access)
    }

    /// Throws `channel_not_found` unless the caller can read the channel.
    public func requireReadable(_ access: ChamberAccess, _ channelID: ChannelID) async throws {
        _ = try await chat.readableChannel(access, channelID)
    }

    /// Mutes a channel the caller can read, until `until` or without end.
    public func mute(_ access: ChamberAccess, channelID: ChannelID, until: Date?) async throws -> NotificationPreferences {
        try await requireReadable(access, channelID)
        let instant = now()
        if let until, until <= instant {
            throw ChamberError(.validationFailed, "until must be in the future", field: "until")
        }
        try await settings(access).mute(ChannelMute(channelID: channelID, until: until), for: access.userID, at: instant)
        return try await preferences(access)
    }

    public func unmute(_ access: ChamberAccess, channelID: ChannelID) async throws -> NotificationPreferences {
        try await requireReadable(access, channelID)
        try await settings(access).unmute(channelID: channelID, for: access.userID)
        return try await preferences(access)
    }

    /// The chamber's defaults (admins, staff and board: whoever may view the chamber's settings).
    public func defaults(_ access: ChamberAccess) async throws -> NotificationPreferences {
        try access.require(.view, .chamberSettings)
        return NotificationPreferences.chamberDefaults(try await settings(access).chamberChoices())
    }

    /// Replaces the chamber's defaults (admins); what the input leaves out follows the server's defaults.
    public func setDefaults(_ access: ChamberAccess, _ input: NotificationChoicesInput) async throws -> NotificationPreferences {
        try access.require(.update, .chamberSettings)
        let choices = NotificationChoices().applying(try await patch(from: input, access: access, allowQuietHours: false))
        let instant = now()
        let scope = store.scoped(to: access.chamberID)
        try await scope.notificationSettings.setChamberChoices(choices, by: access.userID, at: instant)
        try await scope.auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: "notifications.defaults_changed", target: nil,
                detail: choices.names.joined(separator: ","), at: instant))
        return NotificationPreferences.chamberDefaults(choices)
    }

    private func patch(from input: NotificationChoicesInput, access: ChamberAccess, allowQuietHours: Bool) async throws -> NotificationChoicesPatch {
        var patch = NotificationChoicesPatch()
        for (rawCategory, channels) in input.levels {
            guard let category = NotificationCategory(rawValue: rawCategory) else {
                throw ChamberError(.validationFailed, "unknown notification category \(rawCategory)", field: "categories.\(rawCategory)")
            }
            for (rawChannel, rawLevel) in channels {
                let field = "categories.\(rawCategory).\(rawChannel)"
                guard let channel = DeliveryChannel(rawValue: rawChannel) else {
                    throw ChamberError(.validationFailed, "unknown delivery channel \(rawChannel); push, email or in_app", field: field)
                }
                var level: NotificationLevel?
                if let rawLevel {
                    guard let known = NotificationLevel(rawValue: rawLevel) else {
                        throw ChamberError(.validationFailed, "level must be all, mentions or none", field: field)
                    }
                    level = known
                }
                patch.levels[category, default: [:]][channel] = .some(level)
            }
        }
        patch.preview = input.preview
        if let digest = input.emailDigest {
            patch.emailDigest = .some(
                try digest.map { raw throws(ChamberError) in
                    guard let known = EmailDigest(rawValue: raw) else {
                        throw ChamberError(.validationFailed, "email_digest must be immediate, hourly or daily", field: "email_digest")
                    }
                    return known
                })
        }
        if let quietHours = input.quietHours {
            guard allowQuietHours else {
                throw ChamberError(.validationFailed, "quiet hours are each member's own", field: "quiet_hours")
            }
            if let quietHours {
                guard let start = ClockTime(quietHours.start) else {
                    throw ChamberError(.validationFailed, "quiet_hours.start must be HH:MM", field: "quiet_hours.start")
                }
                guard let end = ClockTime(quietHours.end) else {
                    throw ChamberError(.validationFailed, "quiet_hours.end must be HH:MM", field: "quiet_hours.end")
                }
                let zone: String
                if let given = quietHours.timeZone {
                    zone = given
                } else {
                    zone = try await store.chambers.find(id: access.chamberID)?.settings.timezone ?? "UTC"
                }
                patch.quietHours = .some(try QuietHours(start: start, end: end, timeZone: zone))
            } else {
                patch.quietHours = .some(nil)
            }
        }
        return patch
    }
}
