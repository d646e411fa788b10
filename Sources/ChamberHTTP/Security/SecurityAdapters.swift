import ChamberDomain
import Crypto
import Foundation
import HummingbirdBcrypt
import JWTKit
import NIOPosix

/// bcrypt on a thread pool of its own: hashing never stalls an event loop or the cooperative pool, and a flood
/// of logins cannot starve the shared blocking pool that SQLite's calls run on.
public struct BcryptPasswordHasher: PasswordHasher {
    public let cost: UInt8
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    public init(cost: UInt8) { self.cost = cost }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await Self.pool.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await Self.pool.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}

/// Random secrets from the system CSPRNG, stored as SHA-256 digests.
public struct CryptoSecretVault: SecretVault {
    public init() {}

    public func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64URLEncoded
    }

    public func digest(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// SHA-256 of file contents.
public struct CryptoContentHasher: ContentHasher {
    public init() {}

    public func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

/// HMAC-SHA256 signatures under a key derived from the server's token secret (a key of its own per purpose, so a
/// signature made for a mail link is never valid elsewhere).
public struct HMACTextSigner: TextSigner {
    private let key: SymmetricKey

    public init(secret: String, purpose: String) {
        key = SymmetricKey(data: SHA256.hash(data: Data("chamberconnect \(purpose)\u{0}\(secret)".utf8)))
    }

    public func signature(of text: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)).base64URLEncoded
    }
}

extension Data {
    var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=", with: "")
    }
}

/// HS256 access tokens naming the user and the session.
public struct JWTAccessTokenIssuer: AccessTokenIssuer {
    struct Payload: JWTPayload {
        var sub: SubjectClaim
        var sid: String
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var iss: IssuerClaim

        /// The expiry is checked by the issuer, on the node's clock.
        func verify(using algorithm: some JWTAlgorithm) async throws {
            guard iss.value == JWTAccessTokenIssuer.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "wrong issuer") }
        }
    }

    static let issuer = "chamberconnect"
    private let keys: JWTKeyCollection
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - secret: the shared HMAC key; every node of a cluster must use the same one.
    ///   - now: the node's time, which the expiry is written in and checked against (any node may check a token
    ///     another issued).
    public init(secret: String, now: @escaping @Sendable () -> Date = Date.init) async {
        self.now = now
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
    }

    public func issue(_ claims: AccessClaims) async throws -> String {
        try await keys.sign(
            Payload(
                sub: .init(value: claims.userID.rawValue), sid: claims.sessionID.rawValue,
                exp: .init(value: claims.expiresAt), iat: .init(value: now()), iss: .init(value: Self.issuer)))
    }

    public func verify(_ token: String) async throws -> AccessClaims {
        guard token.count <= 4096 else { throw ChamberError(.tokenInvalid, "access token is not valid") }
        do {
            let payload = try await keys.verify(token, as: Payload.self)
            try payload.exp.verifyNotExpired(currentDate: now())
            return AccessClaims(userID: UserID(payload.sub.value), sessionID: SessionID(payload.sid), expiresAt: payload.exp.value)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure && error.failedClaim is ExpirationClaim {
            throw ChamberError(.tokenExpired, "access token has expired; refresh it with POST /v1/auth/refresh")
        } catch {
            throw ChamberError(.tokenInvalid, "access token is not valid")
        }
    }
}
