import AsyncHTTPClient
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import _CryptoExtras

/// An OpenID Connect provider on loopback, as Core 1.0, Discovery 1.0 and RFC 7636 describe one: a discovery
/// document, a JWKS of RSA keys it can rotate, an authorization endpoint that signs the person in at once (who they
/// are is in the test's query) and sends them back with a code, and a token endpoint that checks the client's secret,
/// the code (once), the redirect address and the PKCE verifier against the S256 challenge before it signs an ID
/// token. On demand it misbehaves as a hostile or broken provider would: a bad signature, another audience, an
/// expired token, another issuer, an old nonce.
final class FakeOpenIDProvider: Sendable {
    /// How the next ID tokens are made.
    enum Misbehaviour: Sendable, Equatable {
        case none
        case badSignature
        case wrongAudience
        case expired
        case wrongIssuer
        /// The token carries this nonce instead of the one its authorization request sent.
        case nonce(String)
    }

    /// Who signs in at the authorization endpoint.
    struct Person: Sendable {
        let subject: String
        let email: String?
        let emailVerified: Bool
        let name: String?
    }

    private struct Grant {
        let redirectURI: String
        let challenge: String
        let nonce: String
        let person: Person
        var used = false
    }

    private struct SigningKey {
        let kid: String
        let keys: JWTKeyCollection
        let jwk: [String: String]
    }

    private struct State {
        var current: SigningKey
        var published: [[String: String]]
        var grants: [String: Grant] = [:]
        var misbehaviour: Misbehaviour = .none
        var jwksFetches = 0
        var authorizations: [[String: String]] = []
        var refused: [String] = []
    }

    let port: Int
    let clientID = "chamber-" + UUID().uuidString.prefix(8).lowercased()
    let clientSecret = "secret-" + UUID().uuidString
    private let state: Mutex<State>

    var issuer: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, key: SigningKey) {
        self.port = port
        state = Mutex(State(current: key, published: [key.jwk]))
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable (FakeOpenIDProvider) async throws -> T) async throws -> T {
        let router = Router()
        let box = Mutex<FakeOpenIDProvider?>(nil)
        router.get("/.well-known/openid-configuration") { _, _ -> Response in
            guard let provider = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return Self.json([
                "issuer": provider.issuer, "authorization_endpoint": provider.issuer + "/authorize", "token_endpoint": provider.issuer + "/token",
                "jwks_uri": provider.issuer + "/jwks", "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            ])
        }
        router.get("/jwks") { _, _ -> Response in
            guard let provider = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let keys = provider.state.withLock { state in
                state.jwksFetches += 1
                return state.published
            }
            return Self.json(["keys": keys])
        }
        router.get("/authorize") { request, _ -> Response in
            guard let provider = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return provider.authorize(Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }) { $1 })
        }
        router.post("/token") { request, _ -> Response in
            guard let provider = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
            return try await provider.token(Self.form(body))
        }
        let key = try await Self.newKey()
        return try await withLiveServer({
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: $0)
        }) {
            client in
            let provider = FakeOpenIDProvider(port: client.port!, key: key)
            box.withLock { $0 = provider }
            return try await body(provider)
        }
    }

    /// The next ID tokens misbehave so (until set back to `.none`).
    func misbehave(_ misbehaviour: Misbehaviour) { state.withLock { $0.misbehaviour = misbehaviour } }

    /// A new signing key; the JWKS publishes it alone from now on, as a provider that retired its old key.
    func rotate() async throws {
        let key = try await Self.newKey()
        state.withLock { state in
            state.current = key
            state.published = [key.jwk]
        }
    }

    var jwksFetches: Int { state.withLock { $0.jwksFetches } }
    /// The query of every authorization request, in order.
    var authorizations: [[String: String]] { state.withLock { $0.authorizations } }
    /// Why requests to the token endpoint were refused.
    var refused: [String] { state.withLock { $0.refused } }

    /// The browser's visit to an authorization URL the server made, signing `person` in: the code the provider sends
    /// back to the redirect address, and the state with it.
    func signIn(at url: String, as person: Person) async throws -> (code: String, state: String) {
        var components = try #require(URLComponents(string: url))
        components.queryItems =
            (components.queryItems ?? []) + [
                URLQueryItem(name: "login_sub", value: person.subject), URLQueryItem(name: "login_email", value: person.email),
                URLQueryItem(name: "login_verified", value: person.emailVerified ? "true" : "false"),
                URLQueryItem(name: "login_name", value: person.name),
            ]
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        defer { _ = client.shutdown() }
        let response = try await client.execute(HTTPClientRequest(url: components.url!.absoluteString), timeout: .seconds(10))
        let location = try #require(response.headers.first(name: "Location"), "the provider sends the browser back (\(response.status))")
        let back = URLComponents(string: location)?.queryItems ?? []
        return (back.first { $0.name == "code" }?.value ?? "", back.first { $0.name == "state" }?.value ?? "")
    }

    private func authorize(_ query: [String: String]) -> Response {
        state.withLock { $0.authorizations.append(query) }
        guard query["response_type"] == "code", query["client_id"] == clientID, let redirect = query["redirect_uri"],
            query["code_challenge_method"] == "S256", let challenge = query["code_challenge"], let nonce = query["nonce"],
            let subject = query["login_sub"], query["scope"]?.split(separator: " ").contains("openid") == true
        else { return Response(status: .badRequest) }
        let code = UUID().uuidString
        let person = Person(
            subject: subject, email: query["login_email"], emailVerified: query["login_verified"] == "true", name: query["login_name"])
        state.withLock { $0.grants[code] = Grant(redirectURI: redirect, challenge: challenge, nonce: nonce, person: person) }
        var back = URLComponents(string: redirect)!
        back.queryItems = [URLQueryItem(name: "code", value: code), URLQueryItem(name: "state", value: query["state"])]
        return Response(status: .found, headers: [.location: back.url!.absoluteString])
    }

    private func token(_ form: [String: String]) async throws -> Response {
        func refuse(_ why: String) -> Response {
            state.withLock { $0.refused.append(why) }
            return Self.json(["error": "invalid_grant", "error_description": why], status: .badRequest)
        }
        guard form["grant_type"] == "authorization_code" else { return refuse("grant_type") }
        guard form["client_id"] == clientID, form["client_secret"] == clientSecret else { return refuse("client authentication") }
        let code = form["code"] ?? ""
        let taken: Grant? = state.withLock { state in
            guard let grant = state.grants[code], !grant.used else { return nil }
            state.grants[code]?.used = true
            return grant
        }
        guard let grant = taken else { return refuse("code unknown or used") }
        guard form["redirect_uri"] == grant.redirectURI else { return refuse("redirect_uri") }
        let verifier = form["code_verifier"] ?? ""
        guard Self.base64URL(Data(SHA256.hash(data: Array(verifier.utf8)))) == grant.challenge else { return refuse("code_verifier") }
        let (key, misbehaviour) = state.withLock { ($0.current, $0.misbehaviour) }
        let now = Date()
        let claims = IDToken(
            iss: misbehaviour == .wrongIssuer ? "https://evil.example" : issuer, sub: grant.person.subject,
            aud: misbehaviour == .wrongAudience ? "someone-else" : clientID,
            exp: Int(now.timeIntervalSince1970) + (misbehaviour == .expired ? -60 : 300), iat: Int(now.timeIntervalSince1970),
            nonce: { if case .nonce(let old) = misbehaviour { return old } else { return grant.nonce } }(),
            email: grant.person.email, email_verified: grant.person.emailVerified, name: grant.person.name)
        let signer = misbehaviour == .badSignature ? try await Self.newKey(kid: key.kid).keys : key.keys
        let idToken = try await signer.sign(claims, kid: JWKIdentifier(string: key.kid))
        return Self.json(["access_token": UUID().uuidString, "token_type": "Bearer", "expires_in": 300, "id_token": idToken])
    }

    struct IDToken: JWTPayload {
        let iss: String
        let sub: String
        let aud: String
        let exp: Int
        let iat: Int
        let nonce: String
        let email: String?
        let email_verified: Bool
        let name: String?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    private static func newKey(kid: String = UUID().uuidString.prefix(8).lowercased()) async throws -> SigningKey {
        let backing = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let key = try Insecure.RSA.PrivateKey(backing: backing)
        let keys = JWTKeyCollection()
        await keys.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        let (modulus, exponent) = try key.publicKey.getKeyPrimitives()
        return SigningKey(
            kid: kid, keys: keys,
            jwk: ["kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": base64URL(modulus), "e": base64URL(exponent)])
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func form(_ body: String) -> [String: String] {
        Dictionary(
            body.split(separator: "&").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
                }
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }
        ) { $1 }
    }

    private static func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
