import ChamberDomain
import Crypto
import Foundation
import Synchronization

/// The provider authentication token of APNs token-based auth: an ES256 JWT (`kid` the key's id, `iss` the team,
/// `iat` its time) signed with the .p8 key from the developer account.
///
/// Apple refuses a token older than an hour (`ExpiredProviderToken`) and throttles one renewed more often than every
/// 20 minutes (`TooManyProviderTokenUpdates`), so a token is kept for ``lifetime`` and renewed early only when APNs
/// says it is expired or invalid.
public final class APNsProviderToken: Sendable {
    private let key: P256.Signing.PrivateKey
    private let keyID: String
    private let teamID: String
    private let current = Mutex<(token: String, issuedAt: Date)?>(nil)

    /// How long one token is used: inside Apple's window of 20 to 60 minutes.
    public static let lifetime: TimeInterval = 50 * 60

    /// - Parameter pem: the .p8 file's text (a PKCS#8 P-256 private key).
    public init(pem: String, keyID: String, teamID: String) throws {
        self.key = try P256.Signing.PrivateKey(pemRepresentation: pem)
        self.keyID = keyID
        self.teamID = teamID
    }

    /// The token to send at `instant`: the current one, or a new one when it is ``lifetime`` old.
    public func token(at instant: Date = Date()) throws -> String {
        // Signed under the lock: pushes sent together share one new token instead of each signing their own, which
        // APNs would count as renewals.
        try current.withLock { current in
            if let held = current, instant.timeIntervalSince(held.issuedAt) < Self.lifetime, instant >= held.issuedAt { return held.token }
            let token = try sign(at: instant)
            current = (token, instant)
            return token
        }
    }

    /// Drops `token` after APNs refused it, so the next push signs a new one (another push may have renewed it already).
    public func invalidate(_ token: String) {
        current.withLock { if $0?.token == token { $0 = nil } }
    }

    private func sign(at instant: Date) throws -> String {
        let header = #"{"alg":"ES256","kid":"\#(keyID)"}"#
        let claims = #"{"iss":"\#(teamID)","iat":\#(Int(instant.timeIntervalSince1970))}"#
        let input = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(Data(claims.utf8))
        // JWS ES256 is the raw 64-byte r‖s, not DER.
        let signature = try key.signature(for: Data(input.utf8)).rawRepresentation
        return input + "." + Base64URL.encode(signature)
    }
}
