import ChamberDomain
import Crypto
import Foundation

/// Web Push message encryption (RFC 8291) in the `aes128gcm` content coding (RFC 8188): what the push service
/// relays, only the subscribed browser can read.
///
/// Per message a fresh P-256 key pair of the sender and a fresh 16-byte salt: reusing either would repeat an
/// AES-GCM key and nonce across messages. The body is one record: header (salt, record size, the sender's public
/// key), then the ciphertext of the plaintext followed by the last-record delimiter 0x02.
public enum WebPushEncryption {
    /// The record size written in the header; push services take bodies of at most 4096 bytes.
    public static let recordSize = 4096
    /// Salt (16), record size (4), key id length (1), the sender's public key (65).
    static let headerLength = 86
    static let tagLength = 16
    /// The longest plaintext that fits one 4096-byte body: header, tag and delimiter paid for.
    public static let maxPlaintextLength = recordSize - headerLength - tagLength - 1

    public enum Failure: Error, Equatable {
        /// The subscription's `p256dh` is not a P-256 point, or its `auth` secret is not 16 bytes.
        case invalidSubscriptionKey
        /// More than ``maxPlaintextLength`` bytes.
        case plaintextTooLong(Int)
    }

    /// Encrypts `plaintext` for a subscription. `senderKey` and `salt` are fresh unless a test fixes them (RFC 8291
    /// Appendix A's vector does).
    public static func encrypt(
        _ plaintext: Data, subscriberKey: Data, authSecret: Data,
        senderKey: P256.KeyAgreement.PrivateKey = P256.KeyAgreement.PrivateKey(),
        salt: Data = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
    ) throws -> Data {
        guard plaintext.count <= maxPlaintextLength else { throw Failure.plaintextTooLong(plaintext.count) }
        guard authSecret.count == 16, salt.count == 16,
            let subscriber = try? P256.KeyAgreement.PublicKey(x963Representation: subscriberKey)
        else { throw Failure.invalidSubscriptionKey }
        let senderPublic = senderKey.publicKey.x963Representation
        let shared = try senderKey.sharedSecretFromKeyAgreement(with: subscriber)
        // RFC 8291 §3.4: the auth secret and both public keys bind the key to this subscription.
        let keyInfo = Data("WebPush: info".utf8) + [0] + subscriberKey + senderPublic
        let inputKey = shared.hkdfDerivedSymmetricKey(
            using: SHA256.self, salt: authSecret, sharedInfo: keyInfo, outputByteCount: 32)
        let contentKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: inputKey, salt: salt, info: Data("Content-Encoding: aes128gcm".utf8) + [0], outputByteCount: 16)
        let nonce = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: inputKey, salt: salt, info: Data("Content-Encoding: nonce".utf8) + [0], outputByteCount: 12)
        let sealed = try AES.GCM.seal(
            plaintext + [0x02], using: contentKey, nonce: AES.GCM.Nonce(data: nonce.withUnsafeBytes { Data($0) }))
        var body = Data(capacity: headerLength + plaintext.count + 1 + tagLength)
        body += salt
        body += withUnsafeBytes(of: UInt32(recordSize).bigEndian) { Data($0) }
        body.append(UInt8(senderPublic.count))
        body += senderPublic
        body += sealed.ciphertext
        body += sealed.tag
        return body
    }
}
