import ChamberDomain
import ChamberRealtime
import Foundation

// Devices and notification preferences on the wire (openapi.yaml, tag Notifications).

/// `POST /v1/me/devices`. Read from the raw JSON so that an unknown key is refused by name rather than ignored.
struct DeviceRegistrationRequest {
    let address: PushAddressInput
    let name: String?

    init(_ json: JSONValue) throws(ChamberError) {
        let body = try StrictObject(json, at: "")
        try body.allow(["platform", "name", "apns", "fcm", "web_push"])
        var address = PushAddressInput(platform: try body.string("platform"))
        if let apns = try body.object("apns") {
            try apns.allow(["token", "topic", "environment"])
            address.apns = .init(
                token: try apns.string("token"), topic: try apns.string("topic"), environment: try apns.optionalString("environment"))
        }
        if let fcm = try body.object("fcm") {
            try fcm.allow(["token"])
            address.fcmToken = try fcm.string("token")
        }
        if let webPush = try body.object("web_push") {
            try webPush.allow(["endpoint", "keys", "expirationTime"])
            guard let keys = try webPush.object("keys") else {
                throw ChamberError(.validationFailed, "web_push.keys is required", field: "web_push.keys")
            }
            try keys.allow(["p256dh", "auth"])
            address.webPush = .init(endpoint: try webPush.string("endpoint"), p256dh: try keys.string("p256dh"), auth: try keys.string("auth"))
        }
        self.address = address
        self.name = try body.optionalString("name")
    }
}

/// `PATCH …/notification-preferences` and `PUT …/notification-defaults`: absent keys leave a setting, `null` clears it.
struct NotificationChoicesRequest {
    let input: NotificationChoicesInput

    init(_ json: JSONValue, nullable: Bool) throws(ChamberError) {
        let body = try StrictObject(json, at: "")
        try body.allow(nullable ? ["categories", "preview", "email_digest", "quiet_hours"] : ["categories", "preview", "email_digest"])
        var input = NotificationChoicesInput()
        if let categories = try body.object("categories") {
            for (category, value) in categories.fields {
                let levels = try StrictObject(value, at: "categories.\(category)")
                for (channel, level) in levels.fields {
                    let field = "categories.\(category).\(channel)"
                    switch level {
                    case .string(let text): input.levels[category, default: [:]][channel] = .some(text)
                    case .null where nullable: input.levels[category, default: [:]][channel] = .some(nil)
                    default: throw ChamberError(.validationFailed, "\(field) must be all, mentions or none", field: field)
                    }
                }
            }
        }
        switch body.fields["preview"] {
        case nil: break
        case .bool(let value): input.preview = .some(value)
        case .null where nullable: input.preview = .some(nil)
        default: throw ChamberError(.validationFailed, "preview must be true or false", field: "preview")
        }
        switch body.fields["email_digest"] {
        case nil: break
        case .string(let value): input.emailDigest = .some(value)
        case .null where nullable: input.emailDigest = .some(nil)
        default: throw ChamberError(.validationFailed, "email_digest must be immediate, hourly or daily", field: "email_digest")
        }
        switch body.fields["quiet_hours"] {
        case nil: break
        case .null: input.quietHours = .some(nil)
        case let value?:
            let hours = try StrictObject(value, at: "quiet_hours")
            try hours.allow(["start", "end", "time_zone"])
            input.quietHours = .some(
                QuietHoursInput(start: try hours.string("start"), end: try hours.string("end"), timeZone: try hours.optionalString("time_zone")))
        }
        self.input = input
    }
}

/// `PUT …/notification-preferences/mutes/{channelId}`.
struct ChannelMuteRequest {
    let until: Date?

    init(_ json: JSONValue) throws(ChamberError) {
        let body = try StrictObject(json, at: "")
        try body.allow(["until"])
        guard let text = try body.optionalString("until") else {
            until = nil
            return
        }
        guard let date = try? Date(text, strategy: .iso8601) else {
            throw ChamberError(.validationFailed, "until must be an ISO 8601 instant", field: "until")
        }
        until = date
    }
}

struct DeviceBody: Encodable {
    let id: String
    let platform: String
    let name: String?
    let tokenHint: String
    let apnsTopic: String?
    let apnsEnvironment: String?
    let createdAt: Date
    let registeredAt: Date
    let currentSession: Bool

    init(_ device: Device, current: SessionID) {
        id = device.id.rawValue
        platform = device.address.platform.rawValue
        name = device.name
        tokenHint = device.address.hint
        if case .apns(_, let topic, let environment) = device.address {
            apnsTopic = topic
            apnsEnvironment = environment.rawValue
        } else {
            apnsTopic = nil
            apnsEnvironment = nil
        }
        createdAt = device.createdAt
        registeredAt = device.registeredAt
        currentSession = device.sessionID == current
    }
}

struct QuietHoursBody: Encodable {
    let start: String
    let end: String
    let timeZone: String
}

struct ChannelMuteBody: Encodable {
    let channelId: String
    let until: Date?
}

/// `NotificationPreferences` (a member's) or `NotificationDefaults` (a chamber's: no quiet hours, no mutes).
struct NotificationPreferencesBody: Encodable {
    let categories: [String: [String: String]]
    let preview: Bool
    let emailDigest: String
    let quietHours: QuietHoursBody?
    let channelMutes: [ChannelMuteBody]?
    let custom: [String]

    init(_ preferences: NotificationPreferences, member: Bool) {
        var categories: [String: [String: String]] = [:]
        for category in NotificationCategory.allCases {
            for channel in DeliveryChannel.allCases {
                categories[category.rawValue, default: [:]][channel.rawValue] = preferences.level(category, on: channel).rawValue
            }
        }
        self.categories = categories
        preview = preferences.preview
        emailDigest = preferences.emailDigest.rawValue
        quietHours = preferences.quietHours.map { QuietHoursBody(start: $0.start.description, end: $0.end.description, timeZone: $0.timeZone) }
        channelMutes = member ? preferences.channelMutes.map { ChannelMuteBody(channelId: $0.channelID.rawValue, until: $0.until) } : nil
        custom = preferences.custom
    }
}

/// `POST …/notifications/read`: `ids` or `all: true`, not both.
struct NotificationsReadRequest {
    let selection: FeedReadSelection

    init(_ json: JSONValue) throws(ChamberError) {
        let body = try StrictObject(json, at: "")
        try body.allow(["ids", "all"])
        switch (body.fields["ids"], body.fields["all"]) {
        case (nil, .bool(true)?):
            selection = .all
        case (.array(let values)?, nil):
            var ids: [NotificationID] = []
            for (index, value) in values.enumerated() {
                guard case .string(let raw) = value, let id = NotificationID(validating: raw) else {
                    throw ChamberError(.invalidIdentifier, "ids[\(index)] is not a notification id", field: "ids[\(index)]")
                }
                ids.append(id)
            }
            selection = .ids(ids)
        case (nil, _?):
            throw ChamberError(.validationFailed, "all must be true", field: "all")
        case (_?, _?):
            throw ChamberError(.validationFailed, "send ids or all, not both", field: "all")
        case (_?, nil):
            throw ChamberError(.validationFailed, "ids must be an array of notification ids", field: "ids")
        case (nil, nil):
            throw ChamberError(.validationFailed, "ids or all is required", field: "ids")
        }
    }
}

/// A page of the feed: each notification as the socket carries it (`WireNotification`), in the API's JSON.
struct NotificationPageBody: Encodable {
    let items: [WireNotification]
    let nextCursor: String?
    let unreadCount: Int

    init(page: Page<ChamberDomain.Notification>, unreadCount: Int) {
        items = page.items.map(WireNotification.init)
        nextCursor = page.nextCursor
        self.unreadCount = unreadCount
    }
}

struct NotificationsReadBody: Encodable {
    let unreadCount: Int
}
