import ChamberDomain
import Foundation
import Testing

@Suite("Notifications: device registrations are checked before they are stored")
struct PushAddressInputTests {
    static let apnsToken = String(repeating: "ab", count: 32)
    static let p256dh = Base64URL.encode(Data([0x04] + Array(repeating: 7, count: 64)))
    static let auth = Base64URL.encode(Data(repeating: 9, count: 16))

    @Test("good registrations")
    func good() throws {
        let apns = try PushAddressInput(
            platform: "apns", apns: .init(token: Self.apnsToken.uppercased(), topic: "org.example.chamber", environment: "sandbox")
        )
        .validated()
        #expect(apns == .apns(token: Self.apnsToken, topic: "org.example.chamber", environment: .sandbox), "tokens are kept in lowercase")
        #expect(apns.hint == "…abababab")
        #expect(try PushAddressInput(platform: "fcm", fcmToken: "fcm:token-1").validated() == .fcm(token: "fcm:token-1"))
        let web = try PushAddressInput(
            platform: "web_push", webPush: .init(endpoint: "https://push.example.net/send/abc", p256dh: Self.p256dh, auth: Self.auth)
        ).validated()
        #expect(web.key == "https://push.example.net/send/abc")
        #expect(web.hint == "https://push.example.net")
        let local = try PushAddressInput(
            platform: "web_push", webPush: .init(endpoint: "http://127.0.0.1:9999/push/1", p256dh: Self.p256dh, auth: Self.auth)
        ).validated()
        #expect(local.hint == "http://127.0.0.1:9999")
    }

    @Test(
        "bad registrations name the field at fault",
        arguments: [
            (PushAddressInput(platform: "sms"), "platform"),
            (PushAddressInput(platform: "apns"), "apns"),
            (PushAddressInput(platform: "apns", apns: .init(token: "xyz", topic: "org.example", environment: nil)), "apns.token"),
            (PushAddressInput(platform: "apns", apns: .init(token: String(repeating: "a", count: 63), topic: "a.b", environment: nil)), "apns.token"),
            (PushAddressInput(platform: "apns", apns: .init(token: apnsToken, topic: "bad topic", environment: nil)), "apns.topic"),
            (PushAddressInput(platform: "apns", apns: .init(token: apnsToken, topic: "a.b", environment: "staging")), "apns.environment"),
            (PushAddressInput(platform: "apns", apns: .init(token: apnsToken, topic: "a.b", environment: nil), fcmToken: "x"), "fcm"),
            (PushAddressInput(platform: "fcm", fcmToken: ""), "fcm.token"),
            (PushAddressInput(platform: "fcm", fcmToken: "has space"), "fcm.token"),
            (PushAddressInput(platform: "fcm", fcmToken: String(repeating: "t", count: 2049)), "fcm.token"),
            (
                PushAddressInput(platform: "web_push", webPush: .init(endpoint: "http://push.example.net/x", p256dh: p256dh, auth: auth)),
                "web_push.endpoint"
            ),
            (PushAddressInput(platform: "web_push", webPush: .init(endpoint: "not a url", p256dh: p256dh, auth: auth)), "web_push.endpoint"),
            (
                PushAddressInput(platform: "web_push", webPush: .init(endpoint: "https://p.example/x", p256dh: auth, auth: auth)),
                "web_push.keys.p256dh"
            ),
            (
                PushAddressInput(platform: "web_push", webPush: .init(endpoint: "https://p.example/x", p256dh: p256dh, auth: p256dh)),
                "web_push.keys.auth"
            ),
            (
                PushAddressInput(platform: "web_push", webPush: .init(endpoint: "https://p.example/x", p256dh: "!!", auth: auth)),
                "web_push.keys.p256dh"
            ),
        ])
    func bad(_ input: PushAddressInput, _ field: String) {
        do {
            _ = try input.validated()
            Issue.record("accepted \(input)")
        } catch {
            #expect(error.code == .validationFailed)
            #expect(error.field == field)
        }
    }

    @Test("base64url round trip, with or without padding")
    func base64url() {
        let bytes = Data((0..<40).map { UInt8($0 * 7 % 256) })
        let text = Base64URL.encode(bytes)
        #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
        #expect(Base64URL.decode(text) == bytes)
        #expect(Base64URL.decode(text + "=") == bytes)
        #expect(Base64URL.decode("a=b") == nil)
    }
}
