import AsyncHTTPClient
import ChamberDomain
import Crypto
import Foundation
import JWTKit
import NIOCore
import NIOHTTP1
import Synchronization

/// OpenID Connect as the Core 1.0 and Discovery 1.0 specifications describe it, with PKCE (RFC 7636): the issuer's
/// discovery document, the authorization code flow, the token endpoint (`client_secret_post`), and the ID token's
/// checks (§3.1.3.7): a signature by a key of the issuer's JWKS, `iss` the configured issuer, `aud` holding our
/// client id, `exp` in the future, `iat` not in the future, and `nonce` the one the start sent.
///
/// Discovery documents and key sets are cached for an hour. A token signed with a key the cached set lacks (the
/// provider rotated its keys) makes the set be fetched again, for such misses at most once a minute per issuer, so
/// that made-up `kid`s cannot make us hammer the provider.
public final class OpenIDConnectClient: OpenIDClient {
    private let http: HTTPClient
    private let timeout: TimeAmount
    private let now: @Sendable () -> Date
    private let cache = Mutex<[String: Issuer]>([:])

    /// What is known of one issuer.
    private struct Issuer {
        var discovery: Discovery
        var fetchedAt: Date
        var keys: JWTKeyCollection?
        var kids: Set<String> = []
        var keysFetchedAt: Date?
        /// When the keys were last fetched for a `kid` they lacked.
        var missFetchedAt: Date?
    }

    struct Discovery: Decodable {
        let issuer: String
        let authorizationEndpoint: String
        let tokenEndpoint: String
        let jwksUri: String
    }

    /// How long a discovery document and a key set are trusted before they are fetched again.
    static let cacheLifetime: TimeInterval = 3_600
    /// The least time between two fetches of an issuer's keys for an unknown `kid`.
    static let refetchInterval: TimeInterval = 60
    /// How far a provider's clock may be ahead of ours for `iat`.
    static let clockSkew: TimeInterval = 300

    public init(http: HTTPClient, timeout: TimeAmount = .seconds(10), now: @escaping @Sendable () -> Date = Date.init) {
        self.http = http
        self.timeout = timeout
        self.now = now
    }

    public func authorizationURL(
        of provider: SignInProvider, state: String, nonce: String, codeVerifier: String, redirectURI: String
    ) async throws -> String {
        let discovery = try await discovery(of: provider)
        let challenge = Self.codeChallenge(for: codeVerifier)
        let query = [
            ("response_type", "code"), ("client_id", provider.clientID), ("redirect_uri", redirectURI),
            ("scope", provider.scopes.joined(separator: " ")), ("state", state), ("nonce", nonce), ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ]
        let separator = discovery.authorizationEndpoint.contains("?") ? "&" : "?"
        return discovery.authorizationEndpoint + separator + Self.form(query)
    }

    public func redeem(
        code: String, codeVerifier: String, redirectURI: String, nonce: String, provider: SignInProvider
    ) async throws -> ExternalIdentity {
        let discovery = try await discovery(of: provider)
        let form = Self.form([
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", codeVerifier),
            ("client_id", provider.clientID), ("client_secret", provider.clientSecret),
        ])
        let (status, body) = try await send(discovery.tokenEndpoint, form: form)
        struct TokenAnswer: Decodable { let idToken: String? }
        guard (200..<300).contains(status) else {
            // Only the OAuth error code (RFC 6749 §5.2): the description may name the provider's tenant and trace ids.
            struct Refusal: Decodable { let error: String? }
            let code = (try? JSONDecoder().decode(Refusal.self, from: body))?.error.map { $0.filter { $0.isASCII && ($0.isLetter || $0 == "_") } }
            throw ChamberError(.signInTokenInvalid, "the provider refused the code (\(status)\(code.map { " \($0)" } ?? ""))")
        }
        guard let idToken = (try? JSONDecoder.snakeCase.decode(TokenAnswer.self, from: body))?.idToken else {
            throw ChamberError(.signInTokenInvalid, "the provider's answer holds no ID token")
        }
        let claims = try await verify(idToken, provider: provider)
        guard let sent = claims.nonce, ConstantTime.equal(sent, nonce) else {
            throw ChamberError(.signInTokenInvalid, "the ID token's nonce is not the one this sign-in sent (a replayed token)")
        }
        return ExternalIdentity(
            provider: provider.id, subject: claims.subject.value, email: claims.email, emailVerified: claims.emailVerified?.value ?? false,
            name: claims.name)
    }

    /// The ID token's signature and claims, checked.
    func verify(_ token: String, provider: SignInProvider) async throws -> IDTokenClaims {
        let kid = Self.keyID(of: token)
        let keys = try await keys(of: provider, needing: kid)
        let claims: IDTokenClaims
        do {
            claims = try await keys.verify(token, as: IDTokenClaims.self)
        } catch let error as JWTError {
            throw ChamberError(.signInTokenInvalid, "the ID token's signature does not verify with the issuer's keys (\(error.errorType))")
        } catch {
            throw ChamberError(.signInTokenInvalid, "the ID token cannot be read")
        }
        guard claims.issuer.value == provider.issuer else {
            throw ChamberError(.signInTokenInvalid, "the ID token was issued by \(claims.issuer.value), not \(provider.issuer)")
        }
        guard claims.audience.value.contains(provider.clientID) else {
            throw ChamberError(.signInTokenInvalid, "the ID token is meant for another client (aud), not this server")
        }
        // Core §3.1.3.7 items 4 and 5: a token for several audiences names the one it was given to, and that is us.
        if claims.audience.value.count > 1 || claims.authorizedParty != nil, claims.authorizedParty != provider.clientID {
            throw ChamberError(.signInTokenInvalid, "the ID token was given to another client (azp), not this server")
        }
        let at = now()
        guard claims.expires.value > at else { throw ChamberError(.signInTokenInvalid, "the ID token expired") }
        guard claims.issuedAt.value <= at.addingTimeInterval(Self.clockSkew) else {
            throw ChamberError(.signInTokenInvalid, "the ID token was issued in the future")
        }
        return claims
    }

    private func discovery(of provider: SignInProvider) async throws -> Discovery {
        if let known = cache.withLock({ $0[provider.issuer] }), now().timeIntervalSince(known.fetchedAt) < Self.cacheLifetime {
            return known.discovery
        }
        let base = provider.issuer.hasSuffix("/") ? String(provider.issuer.dropLast()) : provider.issuer
        let (status, body) = try await fetch(base + "/.well-known/openid-configuration")
        guard (200..<300).contains(status), let discovery = try? JSONDecoder.snakeCase.decode(Discovery.self, from: body) else {
            throw ChamberError(.signInProviderUnavailable, "the provider's discovery document could not be read (\(status))")
        }
        // Discovery §4.3: the document must name the issuer it was fetched for.
        guard discovery.issuer == provider.issuer else {
            throw ChamberError(.signInProviderUnavailable, "the discovery document names the issuer \(discovery.issuer), not \(provider.issuer)")
        }
        let at = now()
        cache.withLock { cache in
            if cache[provider.issuer] == nil {
                cache[provider.issuer] = Issuer(discovery: discovery, fetchedAt: at)
            } else {
                cache[provider.issuer]?.discovery = discovery
                cache[provider.issuer]?.fetchedAt = at
            }
        }
        return discovery
    }

    /// The issuer's keys, fetched again when they are old, or lack `kid` and were not fetched in the last minute.
    private func keys(of provider: SignInProvider, needing kid: String?) async throws -> JWTKeyCollection {
        let discovery = try await discovery(of: provider)
        let at = now()
        let known = cache.withLock { $0[provider.issuer] }
        var miss = false
        if let keys = known?.keys, let fetched = known?.keysFetchedAt, at.timeIntervalSince(fetched) < Self.cacheLifetime {
            let lacksKey = kid.map { !(known?.kids.contains($0) ?? false) } ?? false
            guard lacksKey else { return keys }
            // A kid the set lacks: the provider rotated, or someone made one up. Fetched again at most once a minute.
            if let last = known?.missFetchedAt, at.timeIntervalSince(last) < Self.refetchInterval { return keys }
            miss = true
        }
        let (status, body) = try await fetch(discovery.jwksUri)
        struct KeySet: Decodable {
            struct Key: Decodable {
                let kid: String?
                let use: String?
            }
            let keys: [Key]
        }
        guard (200..<300).contains(status), let set = try? JSONDecoder().decode(KeySet.self, from: body),
            let raw = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["keys"] as? [Any], raw.count == set.keys.count
        else {
            throw ChamberError(.signInProviderUnavailable, "the provider's keys could not be read (\(status))")
        }
        // Key by key: a set that also holds encryption keys, or a key type this library lacks, keeps its signing keys.
        let keys = JWTKeyCollection()
        var kids: Set<String> = []
        for (index, key) in set.keys.enumerated() where key.use != "enc" {
            guard let kid = key.kid, let jwk = try? JSONDecoder().decode(JWK.self, from: JSONSerialization.data(withJSONObject: raw[index])),
                (try? await keys.add(jwk: jwk)) != nil
            else { continue }
            kids.insert(kid)
        }
        guard !kids.isEmpty else { throw ChamberError(.signInProviderUnavailable, "the provider publishes no signing key this server can use") }
        cache.withLock { cache in
            cache[provider.issuer]?.keys = keys
            cache[provider.issuer]?.kids = kids
            cache[provider.issuer]?.keysFetchedAt = at
            if miss { cache[provider.issuer]?.missFetchedAt = at }
        }
        return keys
    }

    /// The S256 code challenge of a PKCE verifier (RFC 7636 §4.2): BASE64URL(SHA256(ASCII(verifier))).
    public static func codeChallenge(for verifier: String) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Array(verifier.utf8))))
    }

    /// The `kid` of a token's header, if it has one.
    static func keyID(of token: String) -> String? {
        guard let header = token.split(separator: ".").first, let bytes = Base64URL.decode(String(header)),
            let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any]
        else { return nil }
        return object["kid"] as? String
    }

    private func fetch(_ url: String) async throws -> (UInt, Data) {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        return try await execute(request)
    }

    private func send(_ url: String, form: String) async throws -> (UInt, Data) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: form))
        return try await execute(request)
    }

    private func execute(_ request: HTTPClientRequest) async throws -> (UInt, Data) {
        do {
            let response = try await http.execute(request, timeout: timeout)
            return (response.status.code, Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView))
        } catch {
            throw ChamberError(.signInProviderUnavailable, "the sign-in provider did not answer")
        }
    }

    /// `application/x-www-form-urlencoded`, as the token endpoint and a query take it.
    static func form(_ fields: [(String, String)]) -> String {
        // RFC 3986's unreserved characters, ASCII only (CharacterSet.alphanumerics would let other letters through).
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return fields.map {
            "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }
        .joined(separator: "&")
    }
}

/// The ID token's claims this server reads (OpenID Connect Core §2, §5.1).
struct IDTokenClaims: JWTPayload {
    enum CodingKeys: String, CodingKey {
        case issuer = "iss"
        case subject = "sub"
        case audience = "aud"
        case expires = "exp"
        case issuedAt = "iat"
        case nonce, email, name
        case emailVerified = "email_verified"
        case authorizedParty = "azp"
    }

    let issuer: IssuerClaim
    let subject: SubjectClaim
    let audience: AudienceClaim
    let expires: ExpirationClaim
    let issuedAt: IssuedAtClaim
    let nonce: String?
    let email: String?
    let emailVerified: BoolClaim?
    let name: String?
    let authorizedParty: String?

    /// The claims are checked by ``OpenIDConnectClient/verify(_:provider:)``, against the provider and our clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

extension JSONDecoder {
    fileprivate static let snakeCase: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()
}
