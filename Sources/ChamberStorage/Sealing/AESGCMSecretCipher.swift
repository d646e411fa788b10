import ChamberDomain
import Crypto
import Foundation

/// Seals fields with AES-256-GCM: `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`, the context and the key id
/// authenticated with it. The first key seals; every key opens what it sealed, so a new key is put first and the
/// old ones stay until ``SealedFieldsUpkeep`` has sealed everything again with the new one.
///
/// It also makes the lookup tokens that sealed fields are searched by: HMAC-SHA256 under a key derived from each
/// configured key, so a copy of the database does not tell which rows share a value unless the key is known too.
public struct AESGCMSecretCipher: SecretCipher {
    public struct Key: Sendable {
        public let id: String
        let key: SymmetricKey

        public init(id: String, bytes: [UInt8]) {
            precondition(bytes.count == 32 && !id.contains("."), "an AES-256 key of 32 bytes, its id without dots")
            self.id = id
            self.key = SymmetricKey(data: bytes)
        }

        /// The key derived from a server secret by HKDF-SHA256, for a purpose of its own. Its id names the secret
        /// (`derived` and the first hex digits of a hash of the key), so values sealed under another secret's key are
        /// known as such, not taken for this key's and failing to open.
        ///
        /// The second key is the same under the id it had before (`derived`), kept for opening what it sealed.
        public static func derived(from secret: String) -> [Key] {
            let derived = HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), info: Data("chamberconnect sealed fields".utf8), outputByteCount: 32)
            let bytes = derived.withUnsafeBytes { Array($0) }
            let fingerprint = SHA256.hash(data: Data("chamberconnect key id".utf8) + bytes).prefix(4).map { String(format: "%02x", $0) }.joined()
            return [Key(id: "derived\(fingerprint)", bytes: bytes), Key(id: "derived", bytes: bytes)]
        }
    }

    private let sealing: Key
    private let opening: [String: Key]
    /// Every key's lookup key, the sealing key's first.
    private let lookupKeys: [SymmetricKey]

    /// - Parameter keys: the sealing key first, then keys kept for opening only.
    public init(keys: [Key]) {
        precondition(!keys.isEmpty, "at least one key")
        sealing = keys[0]
        opening = Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        lookupKeys = keys.map { key in
            HKDF<SHA256>.deriveKey(inputKeyMaterial: key.key, info: Data("chamberconnect lookup tokens".utf8), outputByteCount: 32)
        }
    }

    /// The id of the key that seals.
    public var sealingKeyID: String { sealing.id }

    /// Whether `sealed` is a sealed value that the sealing key did not seal (or no sealed value at all), so
    /// ``SealedFieldsUpkeep`` should seal it again.
    public func needsResealing(_ sealed: String) -> Bool { Self.keyID(of: sealed) != sealing.id }

    /// The key id a sealed value names, or nil when `value` is not in the sealed form.
    public static func keyID(of value: String) -> String? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", !parts[1].isEmpty else { return nil }
        return String(parts[1])
    }

    /// The token a value is stored beside its sealed copy under, to be found by: the sealing key's.
    /// `purpose` keeps tokens of different fields apart.
    public func lookupToken(_ value: String, purpose: String) -> String { Self.token(value, purpose: purpose, key: lookupKeys[0]) }

    /// Every token `value` may be stored under while keys rotate (one per configured key), to search with.
    public func lookupTokens(_ value: String, purpose: String) -> [String] {
        lookupKeys.map { Self.token(value, purpose: purpose, key: $0) }
    }

    private static func token(_ value: String, purpose: String, key: SymmetricKey) -> String {
        Base64URL.encode(Data(HMAC<SHA256>.authenticationCode(for: Data("\(purpose)\u{0}\(value)".utf8), using: key)))
    }

    public func seal(_ plaintext: [UInt8], context: String) throws -> String {
        let box = try AES.GCM.seal(plaintext, using: sealing.key, authenticating: Self.associatedData(context, sealing.id))
        guard let combined = box.combined else { throw ChamberError(.internalError, "sealing failed") }
        return "v1.\(sealing.id).\(Base64URL.encode(combined))"
    }

    public func open(_ sealed: String, context: String) throws -> [UInt8] {
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == "v1", let key = opening[parts[1]], let combined = Base64URL.decode(parts[2]) else {
            throw ChamberError(.internalError, "a sealed field names no configured key (security.encryption_keys)")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            return Array(try AES.GCM.open(box, using: key.key, authenticating: Self.associatedData(context, key.id)))
        } catch {
            throw ChamberError(.internalError, "a sealed field does not open with its key")
        }
    }

    private static func associatedData(_ context: String, _ keyID: String) -> Data { Data("\(keyID)\u{0}\(context)".utf8) }
}
