import Foundation

/// A device registration as a client sends it, before it is checked.
public struct PushAddressInput: Sendable {
    public struct APNs: Sendable {
        public var token: String
        public var topic: String
        public var environment: String?
        public init(token: String, topic: String, environment: String?) {
            self.token = token
            self.topic = topic
            self.environment = environment
        }
    }
    public struct WebPush: Sendable {
        public var endpoint: String
        public var p256dh: String
        public var auth: String
        public init(endpoint: String, p256dh: String, auth: String) {
            self.endpoint = endpoint
            self.p256dh = p256dh
            self.auth = auth
        }
    }

    public var platform: String
    public var apns: APNs?
    public var fcmToken: String?
    public var webPush: WebPush?

    public init(platform: String, apns: APNs? = nil, fcmToken: String? = nil, webPush: WebPush? = nil) {
        self.platform = platform
        self.apns = apns
        self.fcmToken = fcmToken
        self.webPush = webPush
    }

    /// The address this input names, or `validation_failed` naming the field at fault.
    ///
    /// Checks what each provider would refuse anyway, so that a bad token is refused to the app that sent it rather
    /// than failing later in a worker: APNs tokens are hex (Apple gives no fixed length; 32 bytes today, so 32 to
    /// 100 bytes are taken), FCM tokens printable ASCII, Web Push keys of the sizes RFC 8291 fixes.
    public func validated() throws(ChamberError) -> PushAddress {
        guard let platform = DevicePlatform(rawValue: platform) else {
            throw ChamberError(.validationFailed, "platform must be one of apns, fcm, web_push", field: "platform")
        }
        let given: [(DevicePlatform, String, Bool)] = [
            (.apns, "apns", apns != nil), (.fcm, "fcm", fcmToken != nil), (.webPush, "web_push", webPush != nil),
        ]
        for (other, field, present) in given where other != platform && present {
            throw ChamberError(.validationFailed, "\(field) does not belong to a \(platform.rawValue) device", field: field)
        }
        switch platform {
        case .apns:
            guard let apns else { throw ChamberError(.validationFailed, "apns is required for an apns device", field: "apns") }
            let token = apns.token.lowercased()
            guard (64...200).contains(token.utf8.count), token.utf8.count.isMultiple(of: 2), token.utf8.allSatisfy(Self.isHexDigit) else {
                throw ChamberError(.validationFailed, "apns.token must be the device token in hexadecimal (64 to 200 digits)", field: "apns.token")
            }
            let topic = apns.topic.trimmingCharacters(in: .whitespaces)
            guard !topic.isEmpty, topic.utf8.count <= 255, topic.utf8.allSatisfy(Self.isBundleIDCharacter) else {
                throw ChamberError(.validationFailed, "apns.topic must be the app's bundle id", field: "apns.topic")
            }
            var environment = APNsEnvironment.production
            if let raw = apns.environment {
                guard let chosen = APNsEnvironment(rawValue: raw) else {
                    throw ChamberError(.validationFailed, "apns.environment must be sandbox or production", field: "apns.environment")
                }
                environment = chosen
            }
            return .apns(token: token, topic: topic, environment: environment)
        case .fcm:
            guard let token = fcmToken else { throw ChamberError(.validationFailed, "fcm is required for an fcm device", field: "fcm") }
            guard (1...2048).contains(token.utf8.count), token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw ChamberError(.validationFailed, "fcm.token must be 1 to 2048 printable ASCII characters without spaces", field: "fcm.token")
            }
            return .fcm(token: token)
        case .webPush:
            guard let webPush else { throw ChamberError(.validationFailed, "web_push is required for a web_push device", field: "web_push") }
            guard webPush.endpoint.utf8.count <= 2048, let url = URL(string: webPush.endpoint), let host = url.host, !host.isEmpty,
                url.scheme == "https" || (url.scheme == "http" && Self.isLoopback(host))
            else {
                throw ChamberError(
                    .validationFailed, "web_push.endpoint must be an https URL (http only to a loopback address)", field: "web_push.endpoint")
            }
            guard let key = Base64URL.decode(webPush.p256dh), key.count == 65, key.first == 0x04 else {
                throw ChamberError(
                    .validationFailed, "web_push.keys.p256dh must be an uncompressed P-256 public key (65 bytes) in base64url",
                    field: "web_push.keys.p256dh")
            }
            guard let auth = Base64URL.decode(webPush.auth), auth.count == 16 else {
                throw ChamberError(
                    .validationFailed, "web_push.keys.auth must be a 16-byte secret in base64url", field: "web_push.keys.auth")
            }
            return .webPush(endpoint: webPush.endpoint, p256dh: key, auth: auth)
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func isBundleIDCharacter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "_")
    }

    private static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
    }
}

/// Base64url without padding (RFC 4648 §5), as Web Push keys are written; padded input is taken too.
public enum Base64URL {
    public static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 = base64.trimmingCharacters(in: CharacterSet(charactersIn: "="))
        guard !base64.contains("=") else { return nil }
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    public static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .trimmingCharacters(in: CharacterSet(charactersIn: "="))
    }
}
