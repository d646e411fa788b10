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
        let (contentKey, nonce) = try keys(
            shared: try senderKey.sharedSecretFromKeyAgreement(with: subscriber), authSecret: authSecret, subscriberKey: subscriberKey,
            senderKey: senderPublic, salt: salt)
        let sealed = try AES.GCM.seal(plaintext + [0x02], using: contentKey, nonce: nonce)
        var body = Data(capacity: headerLength + plaintext.count + 1 + tagLength)
        body += salt
        body += withUnsafeBytes(of: UInt32(recordSize).bigEndian) { Data($0) }
        body.append(UInt8(senderPublic.count))
        body += senderPublic
        body += sealed.ciphertext
        body += sealed.tag
        return body
    }

    /// What the subscribed browser does with a body: reads the header, agrees the key with its private key, opens the
    /// record and drops the 0x02 delimiter. The server never receives pushes; tests and tools play the browser with it.
    public static func decrypt(_ body: Data, subscriberKey: P256.KeyAgreement.PrivateKey, authSecret: Data) throws -> Data {
        guard body.count > 21 else { throw CryptoKitError.authenticationFailure }
        let salt = body.prefix(16)
        let keyLength = Int(body[body.startIndex + 20])
        guard body.count > 21 + keyLength + tagLength else { throw CryptoKitError.authenticationFailure }
        let senderPublic = body.subdata(in: body.startIndex + 21..<body.startIndex + 21 + keyLength)
        let ciphertext = body.suffix(from: body.startIndex + 21 + keyLength)
        let (contentKey, nonce) = try keys(
            shared: try subscriberKey.sharedSecretFromKeyAgreement(with: P256.KeyAgreement.PublicKey(x963Representation: senderPublic)),
            authSecret: authSecret, subscriberKey: subscriberKey.publicKey.x963Representation, senderKey: senderPublic, salt: Data(salt))
        let box = try AES.GCM.SealedBox(nonce: nonce, ciphertext: ciphertext.dropLast(tagLength), tag: ciphertext.suffix(tagLength))
        var plaintext = try AES.GCM.open(box, using: contentKey)
        guard plaintext.last == 0x02 else { throw CryptoKitError.authenticationFailure }
        plaintext.removeLast()
        return plaintext
    }

    /// The record's key and nonce (RFC 8291 §3.4, RFC 8188 §2.2–2.3): the auth secret and both public keys bind them
    /// to this subscription, the salt to this message.
    private static func keys(
        shared: SharedSecret, authSecret: Data, subscriberKey: Data, senderKey: Data, salt: Data
    ) throws -> (SymmetricKey, AES.GCM.Nonce) {
        let keyInfo = Data("WebPush: info".utf8) + [0] + subscriberKey + senderKey
        let inputKey = shared.hkdfDerivedSymmetricKey(using: SHA256.self, salt: authSecret, sharedInfo: keyInfo, outputByteCount: 32)
        let contentKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: inputKey, salt: salt, info: Data("Content-Encoding: aes128gcm".utf8) + [0], outputByteCount: 16)
        let nonce = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: inputKey, salt: salt, info: Data("Content-Encoding: nonce".utf8) + [0], outputByteCount: 12)
        return (contentKey, try AES.GCM.Nonce(data: nonce.withUnsafeBytes { Data($0) }))
    }
}
