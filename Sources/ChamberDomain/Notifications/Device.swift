import Foundation

public typealias DeviceID = Identifier<Device>

/// The push services a device can be reached through.
public enum DevicePlatform: String, Sendable, Codable, CaseIterable {
    case apns
    case fcm
    case webPush = "web_push"
}

/// Which APNs environment issued a device token: development builds get sandbox tokens, which production refuses.
public enum APNsEnvironment: String, Sendable, Codable, CaseIterable {
    case sandbox, production
}

/// Where a push goes: everything a provider client needs to address one device.
public enum PushAddress: Sendable, Equatable {
    /// A device token (lowercase hex) for the app whose bundle id is `topic`.
    case apns(token: String, topic: String, environment: APNsEnvironment)
    /// An FCM registration token.
    case fcm(token: String)
    /// A browser's push subscription (RFC 8030): the push service URL, the subscription's P-256 public key
    /// (65 bytes, uncompressed) and its 16-byte authentication secret (RFC 8291).
    case webPush(endpoint: String, p256dh: Data, auth: Data)

    public var platform: DevicePlatform {
        switch self {
        case .apns: .apns
        case .fcm: .fcm
        case .webPush: .webPush
        }
    }

    /// What makes two registrations the same device: the token, or the Web Push endpoint. Unique per platform.
    public var key: String {
        switch self {
        case .apns(let token, _, _): token
        case .fcm(let token): token
        case .webPush(let endpoint, _, _): endpoint
        }
    }

    /// Enough to tell devices apart in a list without showing the secret.
    public var hint: String {
        switch self {
        case .apns(let token, _, _), .fcm(let token): "…" + token.suffix(8)
        case .webPush(let endpoint, _, _):
            URL(string: endpoint).flatMap { url in url.host.map { "\(url.scheme ?? "https")://\($0)" + (url.port.map { ":\($0)" } ?? "") } }
                ?? "…" + endpoint.suffix(8)
        }
    }
}

/// A device of one user that receives push notifications, bound to the sign-in session that registered it:
/// when that session ends, the device stops receiving.
public struct Device: Sendable, Equatable {
    public let id: DeviceID
    public var userID: UserID
    public var sessionID: SessionID
    public var address: PushAddress
    /// The label the app gave, for the user's device list.
    public var name: String?
    /// When the token was first registered.
    public let createdAt: Date
    /// When it was last registered.
    public var registeredAt: Date

    public init(
        id: DeviceID, userID: UserID, sessionID: SessionID, address: PushAddress, name: String?, createdAt: Date, registeredAt: Date
    ) {
        self.id = id
        self.userID = userID
        self.sessionID = sessionID
        self.address = address
        self.name = name
        self.createdAt = createdAt
        self.registeredAt = registeredAt
    }

    /// How many devices one user keeps; registering one more removes the one registered longest ago.
    public static let limitPerUser = 10
}
