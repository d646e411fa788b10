import ChamberDomain
import ChamberNotify
import Crypto
import Foundation
import Testing

/// RFC 8291 Appendix A, checked by hand with Python's `cryptography` as well (the private key gives the public one,
/// and the body decrypts to the plaintext and its 0x02 delimiter).
enum RFC8291 {
    static let subscriberPublic = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
    static let subscriberPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
    static let authSecret = "BTBZMqHH6r4Tts7J_aSIgg"
    static let senderPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
    static let senderPublic = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
    static let salt = "DGv6ra1nlYgDCS1FRnbzlw"
    static let plaintext = "When I grow up, I want to be a watermelon"
    static let body =
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"

    static func bytes(_ text: String) -> Data { Base64URL.decode(text)! }
}

@Suite("Web Push: payload encryption (RFC 8291, aes128gcm) and VAPID (RFC 8292)")
struct WebPushTests {
    @Test("RFC 8291 Appendix A: the published body, byte for byte")
    func rfcVector() throws {
        let sender = try P256.KeyAgreement.PrivateKey(rawRepresentation: RFC8291.bytes(RFC8291.senderPrivate))
        #expect(Base64URL.encode(sender.publicKey.x963Representation) == RFC8291.senderPublic)
        let body = try WebPushEncryption.encrypt(
            Data(RFC8291.plaintext.utf8), subscriberKey: RFC8291.bytes(RFC8291.subscriberPublic), authSecret: RFC8291.bytes(RFC8291.authSecret),
            senderKey: sender, salt: RFC8291.bytes(RFC8291.salt))
        #expect(Base64URL.encode(body) == RFC8291.body)
    }

    @Test("a fresh key and salt each time; the subscriber reads it, nobody else does")
    func roundTrip() throws {
        let subscriber = P256.KeyAgreement.PrivateKey()
        let auth = Data((0..<16).map { UInt8($0) })
        let message = Data(#"{"title":"Board","body":"Ada: See you at six"}"#.utf8)
        let first = try WebPushEncryption.encrypt(message, subscriberKey: subscriber.publicKey.x963Representation, authSecret: auth)
        let second = try WebPushEncryption.encrypt(message, subscriberKey: subscriber.publicKey.x963Representation, authSecret: auth)
        #expect(first != second && first.prefix(16) != second.prefix(16), "salt and sender key are never reused")
        #expect(try WebPushEncryption.decrypt(first, subscriberKey: subscriber, authSecret: auth) == message)
        #expect(throws: (any Error).self) { try WebPushEncryption.decrypt(first, subscriberKey: P256.KeyAgreement.PrivateKey(), authSecret: auth) }
        #expect(throws: (any Error).self) {
            try WebPushEncryption.decrypt(first, subscriberKey: subscriber, authSecret: Data(repeating: 1, count: 16))
        }
    }

    @Test("refused: a body over 4096 bytes, a key that is not a P-256 point, a short auth secret")
    func refused() throws {
        let key = RFC8291.bytes(RFC8291.subscriberPublic)
        let auth = RFC8291.bytes(RFC8291.authSecret)
        #expect(throws: WebPushEncryption.Failure.plaintextTooLong(3994)) {
            try WebPushEncryption.encrypt(Data(count: 3994), subscriberKey: key, authSecret: auth)
        }
        let fullest = try? WebPushEncryption.encrypt(Data(count: 3993), subscriberKey: key, authSecret: auth)
        #expect(fullest?.count == 4096)
        var offCurve = key
        offCurve[offCurve.startIndex + 40] ^= 0xFF
        #expect(throws: WebPushEncryption.Failure.invalidSubscriptionKey) {
            try WebPushEncryption.encrypt(Data("x".utf8), subscriberKey: offCurve, authSecret: auth)
        }
        #expect(throws: WebPushEncryption.Failure.invalidSubscriptionKey) {
            try WebPushEncryption.encrypt(Data("x".utf8), subscriberKey: key, authSecret: auth.prefix(15))
        }
    }

    @Test("VAPID: an ES256 JWT for the endpoint's origin, verifiable with the public key it carries")
    func vapid() throws {
        let vapid = VAPID(key: P256.Signing.PrivateKey(), subject: "mailto:ops@chamber.example")
        let now = Date(timeIntervalSince1970: 1_796_209_200)
        let header = try vapid.authorization(for: URL(string: "https://push.example.net:8443/wpush/v2/abc?x=1")!, at: now)
        let parts = header.split(separator: " ")
        #expect(parts.count == 3 && parts[0] == "vapid" && parts[1].hasPrefix("t=") && parts[2].hasPrefix("k="))
        let token = String(parts[1].dropFirst(2).dropLast())  // the trailing comma
        let publicKey = String(parts[2].dropFirst(2))
        #expect(publicKey == vapid.publicKey)
        let pieces = token.split(separator: ".").map(String.init)
        #expect(pieces.count == 3)
        let key = try P256.Signing.PublicKey(x963Representation: RFC8291.bytes(publicKey))
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: RFC8291.bytes(pieces[2]))
        #expect(key.isValidSignature(signature, for: Data((pieces[0] + "." + pieces[1]).utf8)))
        let header0 = try JSONSerialization.jsonObject(with: RFC8291.bytes(pieces[0])) as? [String: String]
        #expect(header0 == ["typ": "JWT", "alg": "ES256"])
        let claims = try #require(try JSONSerialization.jsonObject(with: RFC8291.bytes(pieces[1])) as? [String: Any])
        #expect(claims["aud"] as? String == "https://push.example.net:8443")
        #expect(claims["sub"] as? String == "mailto:ops@chamber.example")
        #expect((claims["exp"] as? Int) == 1_796_209_200 + 12 * 3600)
        let capped = try vapid.authorization(for: URL(string: "https://push.example.net/x")!, at: now, lifetime: 7 * 86_400)
        let cappedClaims = String(decoding: RFC8291.bytes(String(capped.split(separator: ".")[1])), as: UTF8.self)
        #expect(cappedClaims.contains("\"exp\":\(1_796_209_200 + 86_400)"), "RFC 8292: at most 24 hours")
    }
}
