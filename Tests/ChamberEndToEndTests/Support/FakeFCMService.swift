import ChamberDomain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import _CryptoExtras

/// Firebase Cloud Messaging as Google runs it, on loopback, both halves of it: the OAuth 2.0 token endpoint of a
/// service account (the JWT bearer grant of RFC 7523, the assertion's RS256 signature checked with the account's
/// public key, its claims checked) and the HTTP v1 send endpoint (the bearer token checked as one it issued and still
/// valid, the message's shape checked, the message kept). It answers with the statuses and error bodies a test
/// scripts, in FCM's documented format (`google.rpc.Status` with an `FcmError` detail).
final class FakeFCMService: Sendable {
    /// One message as accepted.
    struct Received: Sendable {
        /// The registration token it was sent to.
        let token: String
        /// The `message` object of the request.
        let message: JSON
        /// The access token it was authorized with.
        let accessToken: String
    }

    /// An answer given instead of accepting: the HTTP status, FCM's `ErrorCode`, and `Retry-After`.
    struct Answer: Sendable {
        let status: Int
        let errorCode: String
        let retryAfter: String?

        init(status: Int, errorCode: String, retryAfter: String? = nil) {
            self.status = status
            self.errorCode = errorCode
            self.retryAfter = retryAfter
        }

        static let unregistered = Answer(status: 404, errorCode: "UNREGISTERED")
        static let senderIDMismatch = Answer(status: 403, errorCode: "SENDER_ID_MISMATCH")
        static let invalidArgument = Answer(status: 400, errorCode: "INVALID_ARGUMENT")
        static let thirdPartyAuthError = Answer(status: 401, errorCode: "THIRD_PARTY_AUTH_ERROR")
        static let internalError = Answer(status: 500, errorCode: "INTERNAL")
        static func quotaExceeded(retryAfter: String? = nil) -> Answer { Answer(status: 429, errorCode: "QUOTA_EXCEEDED", retryAfter: retryAfter) }
        static func unavailable(retryAfter: String? = nil) -> Answer { Answer(status: 503, errorCode: "UNAVAILABLE", retryAfter: retryAfter) }
    }

    private struct State {
        var registered: Set<String> = []
        /// Tokens of apps since uninstalled: FCM answers UNREGISTERED.
        var unregistered: Set<String> = []
        /// Access tokens issued, and when this service stops taking each.
        var issued: [String: Date] = [:]
        /// How many of the next access tokens are refused from the start, though issued for an hour.
        var expiredToIssue = 0
        /// Statuses the token endpoint answers with, in order, before it issues tokens again.
        var tokenFailures: [Int] = []
        var tokenRequests = 0
        var unauthorized = 0
        /// Answers to give, per registration token, before the default 200.
        var scripted: [String: [Answer]] = [:]
        var attempts: [String: Int] = [:]
        var received: [Received] = []
        var refused: [String] = []
    }

    static let scope = "https://www.googleapis.com/auth/firebase.messaging"
    static let grantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"

    private let state = Mutex(State())
    let port: Int
    let projectID: String
    let privateKeyID: String
    let clientEmail: String
    /// The service account's key: the fake holds it as Google holds the public half.
    let key: _RSA.Signing.PrivateKey

    private init(port: Int, projectID: String, key: _RSA.Signing.PrivateKey) {
        self.port = port
        self.projectID = projectID
        self.key = key
        self.privateKeyID = String((0..<40).map { _ in "0123456789abcdef".randomElement()! })
        self.clientEmail = "chamber-push@\(projectID).iam.gserviceaccount.com"
    }

    /// Runs FCM and its token endpoint for the duration of `body`.
    static func run<T: Sendable>(
        projectID: String = "chamber-test", _ body: @escaping @Sendable (FakeFCMService) async throws -> T
    ) async throws -> T {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let router = Router()
        let box = Mutex<FakeFCMService?>(nil)
        router.post("/token") { request, _ -> Response in
            guard let service = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let body = try await request.body.collect(upTo: 1 << 16)
            return service.grant(headers: request.headers, body: String(buffer: body))
        }
        router.post("/v1/projects/{project}/messages:send") { request, context -> Response in
            guard let service = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let project = context.parameters.get("project") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            return service.send(project: project, headers: request.headers, body: Data(body.readableBytesView))
        }
        return try await withLiveServer({
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: $0)
        }) {
            client in
            let service = FakeFCMService(port: client.port!, projectID: projectID, key: key)
            box.withLock { $0 = service }
            return try await body(service)
        }
    }

    /// FCM's origin, for `FCMClient(endpoint:)`.
    var endpoint: String { "http://127.0.0.1:\(port)" }
    /// The token endpoint, as the key file names it.
    var tokenURI: String { "http://127.0.0.1:\(port)/token" }

    /// The service account's JSON key file, as the Firebase console gives it, with `token_uri` pointing here.
    func serviceAccountJSON() -> String {
        let file: [String: String] = [
            "type": "service_account",
            "project_id": projectID,
            "private_key_id": privateKeyID,
            "private_key": key.pkcs8PEMRepresentation,
            "client_email": clientEmail,
            "client_id": "100000000000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": tokenURI,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/chamber-push%40\(projectID).iam.gserviceaccount.com",
            "universe_domain": "googleapis.com",
        ]
        // A map of strings always serializes.
        let data = try! JSONSerialization.data(withJSONObject: file, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// A new registration token, as the Firebase SDK gives an app at install.
    func register() -> String {
        func random(_ count: Int) -> Data { Data((0..<count).map { _ in UInt8.random(in: 0...255) }) }
        let token = Base64URL.encode(random(16)) + ":APA91b" + Base64URL.encode(random(100))
        state.withLock { _ = $0.registered.insert(token) }
        return token
    }

    /// The app was uninstalled: FCM answers UNREGISTERED from now on.
    func unregister(_ token: String) {
        state.withLock { state in
            state.registered.remove(token)
            state.unregistered.insert(token)
        }
    }

    /// The next answers to messages for `token`, in order; after them, 200.
    func script(_ token: String, _ answers: [Answer]) {
        state.withLock { $0.scripted[token, default: []] += answers }
    }

    /// The next `count` access tokens are issued for an hour but refused by the send endpoint at once: a token
    /// revoked, or the clocks apart.
    func issueExpiredTokens(_ count: Int = 1) {
        state.withLock { $0.expiredToIssue += count }
    }

    /// Every access token issued so far stops working, as when the service account's key is rotated.
    func expireIssuedTokens() {
        state.withLock { state in
            state.issued = state.issued.mapValues { _ in Date.distantPast }
        }
    }

    /// The token endpoint's next answers, in order (e.g. 503): after them it issues tokens again.
    func failTokenRequests(_ statuses: [Int]) {
        state.withLock { $0.tokenFailures += statuses }
    }

    var received: [Received] { state.withLock { $0.received } }
    func received(by token: String) -> [Received] { received.filter { $0.token == token } }
    /// Sends for `token` that were authorized and well formed, whatever the answer.
    func attempts(for token: String) -> Int { state.withLock { $0.attempts[token] ?? 0 } }
    /// Requests to the token endpoint, refused ones included.
    var tokenRequests: Int { state.withLock { $0.tokenRequests } }
    /// Sends refused for their access token (401 UNAUTHENTICATED).
    var unauthorized: Int { state.withLock { $0.unauthorized } }
    /// Token requests and messages refused as malformed, with why: a test fails when there is any.
    var refused: [String] { state.withLock { $0.refused } }

    struct Refusal: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: The token endpoint

    private func grant(headers: HTTPFields, body: String) -> Response {
        let failure = state.withLock { state -> Int? in
            state.tokenRequests += 1
            return state.tokenFailures.isEmpty ? nil : state.tokenFailures.removeFirst()
        }
        if let failure {
            return Self.json(status: failure, ["error": "internal_failure", "error_description": "scripted failure"])
        }
        do {
            guard headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else {
                throw Refusal("token request Content-Type is \(headers[.contentType] ?? "missing"), not a form")
            }
            let form = Self.form(body)
            guard form["grant_type"] == Self.grantType else { throw Refusal("grant_type is \(form["grant_type"] ?? "missing")") }
            guard let assertion = form["assertion"] else { throw Refusal("no assertion") }
            try checkAssertion(assertion)
        } catch {
            state.withLock { $0.refused.append("\(error)") }
            // What Google answers to a grant it does not take (RFC 6749 §5.2).
            return Self.json(status: 400, ["error": "invalid_grant", "error_description": "\(error)"])
        }
        let token = "ya29.fake-" + UUID().uuidString.lowercased()
        state.withLock { state in
            let expired = state.expiredToIssue > 0
            if expired { state.expiredToIssue -= 1 }
            state.issued[token] = expired ? Date.distantPast : Date().addingTimeInterval(3600)
        }
        return Self.json(status: 200, ["access_token": token, "expires_in": 3600, "token_type": "Bearer"])
    }

    /// `application/x-www-form-urlencoded`: `+` is a space, the rest percent-encoded.
    static func form(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ text: Substring) -> String { text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text) }
            fields[decoded(parts[0])] = parts.count > 1 ? decoded(parts[1]) : ""
        }
        return fields
    }

    /// RFC 7523 §3 and Google's rules: RS256 by the account's key, `kid` the key's id, `iss` the account, the FCM
    /// scope, `aud` the token endpoint, issued now and for at most an hour.
    private func checkAssertion(_ assertion: String) throws {
        let pieces = assertion.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard pieces.count == 3, let signature = Base64URL.decode(pieces[2]),
            key.publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: Data((pieces[0] + "." + pieces[1]).utf8), padding: .insecurePKCS1v1_5)
        else { throw Refusal("the assertion's RS256 signature does not verify with the account's key") }
        guard let headerData = Base64URL.decode(pieces[0]), let header = try JSONSerialization.jsonObject(with: headerData) as? [String: Any]
        else { throw Refusal("the assertion's header is unreadable") }
        guard header["alg"] as? String == "RS256", header["typ"] as? String == "JWT" else { throw Refusal("the assertion is not an RS256 JWT") }
        guard header["kid"] as? String == privateKeyID else { throw Refusal("kid \(header["kid"] ?? "none") is not the key's id") }
        guard let claimsData = Base64URL.decode(pieces[1]), let claims = try JSONSerialization.jsonObject(with: claimsData) as? [String: Any],
            let iat = claims["iat"] as? Int, let exp = claims["exp"] as? Int
        else { throw Refusal("the assertion's claims are unreadable") }
        guard claims["iss"] as? String == clientEmail else { throw Refusal("iss \(claims["iss"] ?? "none") is not \(clientEmail)") }
        guard claims["scope"] as? String == Self.scope else { throw Refusal("scope \(claims["scope"] ?? "none") is not FCM's") }
        guard claims["aud"] as? String == tokenURI else { throw Refusal("aud \(claims["aud"] ?? "none") is not \(tokenURI)") }
        let now = Int(Date().timeIntervalSince1970)
        guard abs(iat - now) <= 300 else { throw Refusal("iat is \(iat - now) s from now") }
        guard exp > now, exp - iat <= 3600 else { throw Refusal("exp is not within an hour of iat") }
    }

    // MARK: The send endpoint

    private func send(project: String, headers: HTTPFields, body: Data) -> Response {
        let accessToken = headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? ""
        let authorized = state.withLock { state -> Bool in
            guard let expiry = state.issued[accessToken], expiry > Date() else {
                state.unauthorized += 1
                return false
            }
            return true
        }
        guard authorized else { return Self.unauthenticated() }
        guard project == projectID else {
            let error: [String: Any] = ["code": 403, "message": "Permission denied on resource project \(project).", "status": "PERMISSION_DENIED"]
            return Self.json(status: 403, ["error": error])
        }
        let message: JSON
        let token: String
        do {
            guard headers[.contentType]?.hasPrefix("application/json") == true else {
                throw Refusal("Content-Type is \(headers[.contentType] ?? "missing"), not JSON")
            }
            let checked = try Self.checkMessage(body)
            message = checked.message
            token = checked.token
        } catch {
            state.withLock { $0.refused.append("\(error)") }
            return Self.fcmError(status: 400, errorCode: "INVALID_ARGUMENT", message: "\(error)")
        }
        let (answer, registered, unregistered) = state.withLock { state -> (Answer?, Bool, Bool) in
            state.attempts[token, default: 0] += 1
            let answer = state.scripted[token]?.isEmpty == false ? state.scripted[token]!.removeFirst() : nil
            return (answer, state.registered.contains(token), state.unregistered.contains(token))
        }
        if let answer {
            return Self.fcmError(
                status: answer.status, errorCode: answer.errorCode, message: "scripted \(answer.errorCode)", retryAfter: answer.retryAfter)
        }
        if unregistered {
            return Self.fcmError(status: 404, errorCode: "UNREGISTERED", message: "Requested entity was not found.")
        }
        guard registered else {
            // What FCM answers to a token it never issued: INVALID_ARGUMENT, the field named.
            return Self.fcmError(
                status: 400, errorCode: "INVALID_ARGUMENT", message: "The registration token is not a valid FCM registration token",
                tokenViolation: true)
        }
        state.withLock { $0.received.append(Received(token: token, message: message, accessToken: accessToken)) }
        let id = "0:\(UInt64.random(in: 1_000_000_000_000...9_999_999_999_999))%\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        return Self.json(status: 200, ["name": "projects/\(project)/messages/\(id)"])
    }

    /// The `projects.messages` resource as FCM takes it, held to what ChamberConnect sends: one registration token,
    /// a notification, string data, and the `android` and `apns` blocks.
    static func checkMessage(_ body: Data) throws -> (message: JSON, token: String) {
        let root = try JSON.parse(body)
        guard let top = root.object, Set(top.keys) == ["message"] else { throw Refusal("the body is not {\"message\": …}") }
        let message = root["message"]
        guard let token = message["token"].string, !token.isEmpty else { throw Refusal("message.token is missing") }
        guard message["topic"].isNull, message["condition"].isNull else { throw Refusal("more than one target") }
        guard message["notification"]["title"].string != nil, message["notification"]["body"].string != nil else {
            throw Refusal("message.notification needs a title and a body")
        }
        guard let data = message["data"].object, data.values.allSatisfy({ $0.string != nil }) else {
            throw Refusal("message.data is not a map of strings")
        }
        // FCM's reserved data keys.
        for key in data.keys where ["from", "notification", "message_type"].contains(key) || key.hasPrefix("google") || key.hasPrefix("gcm") {
            throw Refusal("message.data has the reserved key \(key)")
        }
        let android = message["android"]
        guard ["HIGH", "NORMAL"].contains(android["priority"].string ?? "") else { throw Refusal("android.priority is not HIGH or NORMAL") }
        guard let ttl = android["ttl"].string, isDuration(ttl), let seconds = Double(ttl.dropLast()), seconds <= 2_419_200 else {
            throw Refusal("android.ttl is not a duration of at most 28 days")
        }
        guard android["collapse_key"].string?.isEmpty == false else { throw Refusal("android.collapse_key is missing") }
        guard android["notification"]["tag"].string != nil, isInteger(android["notification"]["notification_count"]) else {
            throw Refusal("android.notification needs a tag and a notification_count")
        }
        let apns = message["apns"]
        guard let apnsHeaders = apns["headers"].object, apnsHeaders.values.allSatisfy({ $0.string != nil }) else {
            throw Refusal("apns.headers is not a map of strings")
        }
        guard ["5", "10"].contains(apns["headers"]["apns-priority"].string ?? "") else { throw Refusal("apns-priority is not 5 or 10") }
        guard apns["headers"]["apns-expiration"].string.flatMap({ Int($0) }) != nil else { throw Refusal("apns-expiration is not a number") }
        guard let collapseID = apns["headers"]["apns-collapse-id"].string, !collapseID.isEmpty, collapseID.utf8.count <= 64 else {
            throw Refusal("apns-collapse-id is missing or over 64 bytes")
        }
        guard apns["payload"]["aps"].object != nil, isInteger(apns["payload"]["aps"]["badge"]) else {
            throw Refusal("apns.payload.aps needs a badge")
        }
        return (message, token)
    }

    /// A google.protobuf.Duration in JSON: seconds, up to nine decimals, and `s`.
    static func isDuration(_ text: String) -> Bool {
        guard text.hasSuffix("s") else { return false }
        let number = text.dropLast().split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = number.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else { return false }
        guard number.count == 2 else { return true }
        return (1...9).contains(number[1].count) && number[1].allSatisfy(\.isASCIIDigit)
    }

    static func isInteger(_ value: JSON) -> Bool {
        if case .number(let number) = value { return number == number.rounded() }
        return false
    }

    // MARK: Answers

    static func json(status: Int, _ object: [String: Any], headers: HTTPFields = HTTPFields()) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=UTF-8"
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: .init(code: status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// FCM's error answer: a `google.rpc.Status` whose details hold the `FcmError` code and, for a bad token, the
    /// `BadRequest` field violation.
    static func fcmError(status: Int, errorCode: String, message: String, retryAfter: String? = nil, tokenViolation: Bool = false) -> Response {
        var details: [[String: Any]] = [["@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": errorCode]]
        if tokenViolation {
            details.append([
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [["field": "message.token", "description": "Invalid registration token"]],
            ])
        }
        var headers = HTTPFields()
        if let retryAfter { headers[HTTPField.Name("Retry-After")!] = retryAfter }
        let error: [String: Any] = ["code": status, "message": message, "status": rpcStatus(status), "details": details]
        return json(status: status, ["error": error], headers: headers)
    }

    /// Google's answer to a missing, unknown or expired access token: no FCM detail, and `WWW-Authenticate`.
    static func unauthenticated() -> Response {
        var headers = HTTPFields()
        headers[HTTPField.Name("WWW-Authenticate")!] = #"Bearer realm="https://accounts.google.com/", error="invalid_token""#
        let error: [String: Any] = ["code": 401, "message": unauthenticatedMessage, "status": "UNAUTHENTICATED"]
        return json(status: 401, ["error": error], headers: headers)
    }

    static let unauthenticatedMessage =
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."

    /// The canonical `google.rpc.Code` name FCM gives with each HTTP status.
    static func rpcStatus(_ status: Int) -> String {
        switch status {
        case 400: "INVALID_ARGUMENT"
        case 401: "UNAUTHENTICATED"
        case 403: "PERMISSION_DENIED"
        case 404: "NOT_FOUND"
        case 429: "RESOURCE_EXHAUSTED"
        case 503: "UNAVAILABLE"
        default: "INTERNAL"
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
