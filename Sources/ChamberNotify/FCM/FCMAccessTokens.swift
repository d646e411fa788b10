import AsyncHTTPClient
import ChamberDomain
import Foundation
import NIOCore
import NIOHTTP1
import _CryptoExtras

/// The OAuth 2.0 access tokens FCM's HTTP v1 API takes, obtained as Google documents for service accounts ("Using
/// OAuth 2.0 for Server to Server Applications"): the JWT bearer grant of RFC 7523, a JWT signed RS256 with the
/// account's key traded at its `token_uri` for a bearer token that lasts an hour.
///
/// One token serves every send until a minute before it expires, so the token endpoint sees about one request an
/// hour, not one per push; callers that find no usable token share the one request in flight.
public actor FCMAccessTokens {
    /// Why no token was obtained (a network failure is thrown as the HTTP client's own error).
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The token endpoint refused the grant: its status and its `error` / `error_description` (RFC 6749 §5.2).
        case refused(status: Int, error: String)
        /// The answer is not the token RFC 6749 §5.1 describes.
        case unreadableAnswer(String)

        public var description: String {
            switch self {
            case .refused(let status, let error): "token endpoint answered \(status): \(error)"
            case .unreadableAnswer(let body): "token endpoint answer unreadable: \(body)"
            }
        }
    }

    /// What the token endpoint issued.
    struct Issued: Sendable, Equatable {
        let accessToken: String
        let expiresIn: TimeInterval
    }

    /// Trades a signed grant for a token: the token endpoint's POST, or a test's stand-in.
    typealias Exchange = @Sendable (_ assertion: String) async throws -> Issued

    private struct Current: Sendable {
        let value: String
        let expiresAt: Date
    }

    /// The only scope FCM's send needs: the token cannot be used for anything else of the project.
    public static let scope = "https://www.googleapis.com/auth/firebase.messaging"
    /// RFC 7523 §2.1.
    static let grantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    /// Google refuses an assertion that asks for more than an hour.
    static let assertionLifetime: TimeInterval = 3600
    /// A token this close to its expiry is renewed first: a send that starts with it may arrive after it.
    static let renewalMargin: TimeInterval = 60

    private let account: FCMServiceAccount
    private let now: @Sendable () -> Date
    private let exchange: Exchange
    private var current: Current?
    private var pending: Task<Current, any Error>?

    /// - Parameters:
    ///   - http: the client token requests go through.
    ///   - account: whose tokens: its key signs the grant, its `token_uri` issues the token.
    ///   - timeout: how long one token request may take.
    ///   - now: the clock tokens' ages are measured by.
    public init(
        http: HTTPClient, account: FCMServiceAccount, timeout: TimeAmount = .seconds(10), now: @escaping @Sendable () -> Date = Date.init
    ) {
        let tokenURI = account.tokenURI
        self.init(account: account, now: now) { assertion in
            try await FCMAccessTokens.request(assertion, tokenURI: tokenURI, http: http, timeout: timeout)
        }
    }

    init(account: FCMServiceAccount, now: @escaping @Sendable () -> Date = Date.init, exchange: @escaping Exchange) {
        self.account = account
        self.now = now
        self.exchange = exchange
    }

    /// An access token good for at least another minute: the current one, or a new one from the token endpoint.
    /// Throws ``Failure`` when the endpoint refuses, or the HTTP client's error when it cannot be reached.
    public func token() async throws -> String {
        if let current, current.expiresAt.timeIntervalSince(now()) > Self.renewalMargin { return current.value }
        if let pending { return try await pending.value.value }
        let task = Task { [account, now, exchange] in
            // Counted from before the request: the token cannot have lasted longer than that.
            let requestedAt = now()
            let issued = try await exchange(try FCMAccessTokens.assertion(for: account, at: requestedAt))
            return Current(value: issued.accessToken, expiresAt: requestedAt.addingTimeInterval(issued.expiresIn))
        }
        pending = task
        defer { pending = nil }
        let fresh = try await task.value
        current = fresh
        return fresh.value
    }

    /// Drops `token` after FCM refused it (401), so that the next caller gets a new one. A token another caller has
    /// already replaced is left alone: a burst of sends refused with the same token costs one new token, not one each.
    public func invalidate(_ token: String) {
        if current?.value == token { current = nil }
    }

    /// Drops the current token, whichever it is.
    public func invalidate() {
        current = nil
    }

    /// The grant's JWT (RFC 7523 §3, Google's "Preparing to make an authorized API call"): header `alg`/`typ`/`kid`,
    /// claims `iss`, `scope`, `aud`, `iat`, `exp`, signed RSASSA-PKCS1-v1_5 with SHA-256 (JWS `RS256`).
    static func assertion(for account: FCMServiceAccount, at instant: Date) throws -> String {
        struct Header: Encodable {
            let alg: String
            let typ: String
            let kid: String
        }
        struct Claims: Encodable {
            let iss: String
            let scope: String
            let aud: String
            let iat: Int
            let exp: Int
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let issuedAt = Int(instant.timeIntervalSince1970)
        let header = try encoder.encode(Header(alg: "RS256", typ: "JWT", kid: account.privateKeyID))
        let claims = try encoder.encode(
            Claims(
                iss: account.clientEmail, scope: scope, aud: account.tokenURI, iat: issuedAt,
                exp: issuedAt + Int(assertionLifetime)))
        let input = Base64URL.encode(header) + "." + Base64URL.encode(claims)
        let signature = try account.privateKey.signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5)
        return input + "." + Base64URL.encode(signature.rawRepresentation)
    }

    /// The token request's form body (RFC 7523 §2.1). The assertion is base64url and dots, which a form carries as
    /// they are; the grant type's colons are escaped.
    static func formBody(assertion: String) -> String {
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=\(assertion)"
    }

    /// POSTs the grant to the token endpoint.
    static func request(_ assertion: String, tokenURI: String, http: HTTPClient, timeout: TimeAmount) async throws -> Issued {
        var request = HTTPClientRequest(url: tokenURI)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: formBody(assertion: assertion)))
        let response = try await http.execute(request, timeout: timeout)
        let body = String(buffer: try await response.body.collect(upTo: 64 * 1024))
        return try issued(status: Int(response.status.code), body: body)
    }

    /// Reads the token endpoint's answer: `{access_token, expires_in, token_type}` (RFC 6749 §5.1), or
    /// `{error, error_description}` (§5.2).
    static func issued(status: Int, body: String) throws -> Issued {
        struct Answer: Decodable {
            let accessToken: String
            let expiresIn: Double
            let tokenType: String
            enum CodingKeys: String, CodingKey {
                case accessToken = "access_token"
                case expiresIn = "expires_in"
                case tokenType = "token_type"
            }
        }
        struct Refusal: Decodable {
            let error: String
            let errorDescription: String?
            enum CodingKeys: String, CodingKey {
                case error
                case errorDescription = "error_description"
            }
        }
        let data = Data(body.utf8)
        guard status == 200 else {
            let refusal = try? JSONDecoder().decode(Refusal.self, from: data)
            let error = refusal.map { [$0.error, $0.errorDescription].compactMap { $0 }.joined(separator: ": ") } ?? String(body.prefix(200))
            throw Failure.refused(status: status, error: error)
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: data), !answer.accessToken.isEmpty, answer.expiresIn > 0,
            answer.tokenType.lowercased() == "bearer"
        else { throw Failure.unreadableAnswer(String(body.prefix(200))) }
        return Issued(accessToken: answer.accessToken, expiresIn: answer.expiresIn)
    }
}
