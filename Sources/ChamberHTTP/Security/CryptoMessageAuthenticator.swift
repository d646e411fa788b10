import ChamberDomain
import Crypto

/// HMACs for one-time passwords, by swift-crypto (SHA-1 only where RFC 6238 asks for it).
public struct CryptoMessageAuthenticator: MessageAuthenticator {
    public init() {}

    public func hmac(_ algorithm: OneTimePasswordAlgorithm, key: [UInt8], message: [UInt8]) -> [UInt8] {
        let key = SymmetricKey(data: key)
        switch algorithm {
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case .sha512: return Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
        }
    }
}
