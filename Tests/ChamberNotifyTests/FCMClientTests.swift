import ChamberDomain
import Crypto
import Foundation
import Synchronization
import Testing
import _CryptoExtras

@testable import ChamberNotify

/// One key for the suite: generating RSA keys is slow, and these tests need a key, not a new one each.
private enum FCMFixture {
    static let key: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let email = "chamber-push@chamber-test.iam.gserviceaccount.com"
    static let account = FCMServiceAccount(
        projectID: "chamber-test", privateKeyID: "5f3c0e8d2b1a49768c0d1e2f3a4b5c6d7e8f9a0b", clientEmail: email, privateKey: key)
    static let instant = Date(timeIntervalSince1970: 1_796_209_200)

    /// A key file as the Firebase console writes it, changed by `edit`.
    static func keyFile(_ edit: (inout [String: Any]) -> Void = { _ in }) -> String {
        var file: [String: Any] = [
            "type": "service_account", "project_id": "chamber-test", "private_key_id": "5f3c0e8d2b1a49768c0d1e2f3a4b5c6d7e8f9a0b",
            "private_key": key.pkcs8PEMRepresentation, "client_email": email, "client_id": "100000000000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs", "universe_domain": "googleapis.com",
        ]
        edit(&file)
        let data = try! JSONSerialization.data(withJSONObject: file, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// The parts of a JWT, decoded.
    static func decode(_ jwt: String) throws -> (header: [String: Any], claims: [String: Any], signature: Data) {
        let pieces = jwt.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        try #require(pieces.count == 3)
        let headerBytes = try #require(Base64URL.decode(pieces[0]))
        let claimsBytes = try #require(Base64URL.decode(pieces[1]))
        let signature = try #require(Base64URL.decode(pieces[2]))
        let header = try #require(try JSONSerialization.jsonObject(with: headerBytes) as? [String: Any])
        let claims = try #require(try JSONSerialization.jsonObject(with: claimsBytes) as? [String: Any])
        return (header, claims, signature)
    }

    /// FCM's error answer: a `google.rpc.Status`, with the `FcmError` detail when `fcm` is given.
    static func errorBody(_ status: Int, _ rpc: String, fcm: String?, message: String = "m", tokenViolation: Bool = false) -> String {
        var details: [[String: Any]] = []
        if let fcm { details.append(["@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": fcm]) }
        if tokenViolation {
            details.append([
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [["field": "message.token", "description": "Invalid registration token"]],
            ])
        }
        let error: [String: Any] = ["code": status, "message": message, "status": rpc, "details": details]
        let data = try! JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// A clock the caching tests move by hand.
private final class FCMManualClock: Sendable {
    private let instant: Mutex<Date>
    init(_ start: Date) { instant = Mutex(start) }
    var now: Date { instant.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { instant.withLock { $0 += seconds } }
}

/// Stands in for Google's token endpoint: counts the grants it is sent and issues numbered tokens.
private actor FCMTokenDesk {
    private(set) var assertions: [String] = []
    private var failures: Int
    private let delay: Duration

    init(failures: Int = 0, delay: Duration = .zero) {
        self.failures = failures
        self.delay = delay
    }

    func issue(_ assertion: String) async throws -> FCMAccessTokens.Issued {
        assertions.append(assertion)
        let number = assertions.count
        if delay > .zero { try await Task.sleep(for: delay) }
        if failures > 0 {
            failures -= 1
            throw FCMAccessTokens.Failure.refused(status: 503, error: "unavailable")
        }
        return FCMAccessTokens.Issued(accessToken: "token-\(number)", expiresIn: 3600)
    }
}

/// What kind of outcome, and the `Retry-After` it honours.
private func fcmOutcomeKind(_ outcome: PushOutcome) -> String {
    switch outcome {
    case .accepted: "accepted"
    case .deviceGone: "deviceGone"
    case .rejected: "rejected"
    case .retry(_, let retryAfter): "retry" + (retryAfter.map { " \(Int($0))" } ?? "")
    }
}

@Suite("FCM HTTP v1: the service account, the OAuth 2.0 JWT bearer grant (RFC 7523), the message and the answers")
struct FCMClientTests {
    @Test("a Google key file: fields read, its PKCS#8 RSA key usable, other fields ignored, token_uri Google's when absent")
    func serviceAccount() throws {
        let account = try FCMServiceAccount(json: FCMFixture.keyFile())
        #expect(account.projectID == "chamber-test")
        #expect(account.privateKeyID == "5f3c0e8d2b1a49768c0d1e2f3a4b5c6d7e8f9a0b")
        #expect(account.clientEmail == FCMFixture.email)
        #expect(account.tokenURI == "https://oauth2.googleapis.com/token")
        #expect(account.privateKey.publicKey.derRepresentation == FCMFixture.key.publicKey.derRepresentation)
        let withoutURI = try FCMServiceAccount(json: FCMFixture.keyFile { _ = $0.removeValue(forKey: "token_uri") })
        #expect(withoutURI.tokenURI == FCMServiceAccount.defaultTokenURI)
        let local = try FCMServiceAccount(json: FCMFixture.keyFile { $0["token_uri"] = "http://127.0.0.1:8089/token" })
        #expect(local.tokenURI == "http://127.0.0.1:8089/token", "plain http on loopback, for the fake FCM")

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fcm-\(UUID().uuidString).json")
        try FCMFixture.keyFile().write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try FCMServiceAccount(contentsOfFile: file.path).clientEmail == FCMFixture.email)
    }

    @Test("refused key files: not JSON, not a service account, a field missing, a key that is not RSA-2048, a token_uri in the clear")
    func serviceAccountRefused() throws {
        #expect(throws: FCMServiceAccount.Failure.notJSON) { try FCMServiceAccount(json: "not json") }
        #expect(throws: FCMServiceAccount.Failure.notJSON) { try FCMServiceAccount(json: "[1, 2]") }
        #expect(throws: FCMServiceAccount.Failure.notAServiceAccount(type: "authorized_user")) {
            try FCMServiceAccount(json: FCMFixture.keyFile { $0["type"] = "authorized_user" })
        }
        #expect(throws: FCMServiceAccount.Failure.notAServiceAccount(type: nil)) {
            try FCMServiceAccount(json: FCMFixture.keyFile { _ = $0.removeValue(forKey: "type") })
        }
        for field in ["project_id", "private_key_id", "private_key", "client_email"] {
            #expect(throws: FCMServiceAccount.Failure.missingField(field)) {
                try FCMServiceAccount(json: FCMFixture.keyFile { _ = $0.removeValue(forKey: field) })
            }
            #expect(throws: FCMServiceAccount.Failure.missingField(field)) { try FCMServiceAccount(json: FCMFixture.keyFile { $0[field] = "" }) }
            #expect(throws: FCMServiceAccount.Failure.missingField(field)) { try FCMServiceAccount(json: FCMFixture.keyFile { $0[field] = 42 }) }
        }
        #expect(throws: FCMServiceAccount.Failure.invalidPrivateKey) {
            try FCMServiceAccount(json: FCMFixture.keyFile { $0["private_key"] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" })
        }
        #expect(throws: FCMServiceAccount.Failure.invalidPrivateKey, "an EC key cannot sign RS256") {
            try FCMServiceAccount(json: FCMFixture.keyFile { $0["private_key"] = P256.Signing.PrivateKey().pemRepresentation })
        }
        let small = try _RSA.Signing.PrivateKey(unsafeKeySize: _RSA.Signing.KeySize(bitCount: 1024))
        #expect(throws: FCMServiceAccount.Failure.invalidPrivateKey, "RSA under 2048 bits") {
            try FCMServiceAccount(json: FCMFixture.keyFile { $0["private_key"] = small.pkcs8PEMRepresentation })
        }
        #expect(throws: FCMServiceAccount.Failure.invalidTokenURI("http://oauth2.example.com/token"), "a credential in the clear") {
            try FCMServiceAccount(json: FCMFixture.keyFile { $0["token_uri"] = "http://oauth2.example.com/token" })
        }
        #expect(throws: FCMServiceAccount.Failure.invalidTokenURI("oauth2.googleapis.com")) {
            try FCMServiceAccount(json: FCMFixture.keyFile { $0["token_uri"] = "oauth2.googleapis.com" })
        }
        #expect(throws: FCMServiceAccount.Failure.self) { try FCMServiceAccount(contentsOfFile: "/nonexistent/chamber-fcm-key.json") }
    }

    @Test("the grant's JWT: RS256 header with the key id, Google's claims, a PKCS#1 v1.5 SHA-256 signature the public key verifies")
    func assertion() throws {
        let jwt = try FCMAccessTokens.assertion(for: FCMFixture.account, at: FCMFixture.instant)
        let (header, claims, signatureBytes) = try FCMFixture.decode(jwt)
        #expect(header as? [String: String] == ["alg": "RS256", "typ": "JWT", "kid": "5f3c0e8d2b1a49768c0d1e2f3a4b5c6d7e8f9a0b"])
        #expect(claims["iss"] as? String == FCMFixture.email)
        #expect(claims["scope"] as? String == "https://www.googleapis.com/auth/firebase.messaging")
        #expect(claims["aud"] as? String == "https://oauth2.googleapis.com/token")
        #expect((claims["iat"] as? Int) == 1_796_209_200)
        #expect((claims["exp"] as? Int) == 1_796_209_200 + 3600, "Google takes at most an hour")
        #expect(Set(claims.keys) == ["iss", "scope", "aud", "iat", "exp"])

        let pieces = jwt.split(separator: ".").map(String.init)
        let input = Data((pieces[0] + "." + pieces[1]).utf8)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: signatureBytes)
        #expect(signatureBytes.count == 256, "RSA-2048")
        #expect(FCMFixture.key.publicKey.isValidSignature(signature, for: input, padding: .insecurePKCS1v1_5))
        #expect(!FCMFixture.key.publicKey.isValidSignature(signature, for: input, padding: .PSS), "RS256 is PKCS#1 v1.5, not PSS")
        #expect(!FCMFixture.key.publicKey.isValidSignature(signature, for: input + Data("x".utf8), padding: .insecurePKCS1v1_5))
        #expect(try FCMAccessTokens.assertion(for: FCMFixture.account, at: FCMFixture.instant) == jwt, "PKCS#1 v1.5 signing is deterministic")
    }

    @Test("the token request: a form with the JWT bearer grant type and the assertion as it is")
    func grantForm() throws {
        let jwt = try FCMAccessTokens.assertion(for: FCMFixture.account, at: FCMFixture.instant)
        let body = FCMAccessTokens.formBody(assertion: jwt)
        #expect(body == "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=\(jwt)")
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            try #require(parts.count == 2)
            fields[parts[0]] = parts[1].removingPercentEncoding
        }
        #expect(fields == ["grant_type": FCMAccessTokens.grantType, "assertion": jwt])
        #expect(FCMAccessTokens.grantType == "urn:ietf:params:oauth:grant-type:jwt-bearer")
    }

    @Test("the token endpoint's answers: a bearer token and its lifetime, or why not")
    func tokenAnswers() throws {
        let issued = try FCMAccessTokens.issued(status: 200, body: #"{"access_token":"ya29.c.abc","expires_in":3599,"token_type":"Bearer"}"#)
        #expect(issued == FCMAccessTokens.Issued(accessToken: "ya29.c.abc", expiresIn: 3599))
        #expect(throws: FCMAccessTokens.Failure.refused(status: 400, error: "invalid_grant: Invalid JWT Signature.")) {
            try FCMAccessTokens.issued(status: 400, body: #"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#)
        }
        #expect(throws: FCMAccessTokens.Failure.refused(status: 503, error: "upstream unavailable")) {
            try FCMAccessTokens.issued(status: 503, body: "upstream unavailable")
        }
        let mac = #"{"access_token":"x","expires_in":3600,"token_type":"mac"}"#
        #expect(throws: FCMAccessTokens.Failure.unreadableAnswer(mac)) { try FCMAccessTokens.issued(status: 200, body: mac) }
        let expired = #"{"access_token":"x","expires_in":0,"token_type":"Bearer"}"#
        #expect(throws: FCMAccessTokens.Failure.unreadableAnswer(expired)) { try FCMAccessTokens.issued(status: 200, body: expired) }
        #expect(throws: FCMAccessTokens.Failure.unreadableAnswer("<html>")) { try FCMAccessTokens.issued(status: 200, body: "<html>") }
    }

    @Test("one token serves every send until a minute before it expires; the new one is asked for with a fresh grant")
    func caching() async throws {
        let desk = FCMTokenDesk()
        let clock = FCMManualClock(FCMFixture.instant)
        let tokens = FCMAccessTokens(account: FCMFixture.account, now: { clock.now }) { try await desk.issue($0) }
        #expect(try await tokens.token() == "token-1")
        clock.advance(3600 - 61)
        #expect(try await tokens.token() == "token-1")
        clock.advance(2)
        #expect(try await tokens.token() == "token-2", "59 s left: renewed before a send could outlive it")
        #expect(try await tokens.token() == "token-2")
        let assertions = await desk.assertions
        #expect(assertions.count == 2)
        let last = try #require(assertions.last)
        let renewal = try FCMFixture.decode(last)
        #expect((renewal.claims["iat"] as? Int) == 1_796_209_200 + 3541)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: renewal.signature)
        let input = Data(last.split(separator: ".").prefix(2).joined(separator: ".").utf8)
        #expect(FCMFixture.key.publicKey.isValidSignature(signature, for: input, padding: .insecurePKCS1v1_5))
    }

    @Test("callers that find no token share the one request in flight")
    func sharing() async throws {
        let desk = FCMTokenDesk(delay: .milliseconds(100))
        let tokens = FCMAccessTokens(account: FCMFixture.account) { try await desk.issue($0) }
        let values = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await tokens.token() } }
            var values: [String] = []
            for try await value in group { values.append(value) }
            return values
        }
        #expect(values == Array(repeating: "token-1", count: 20))
        #expect(await desk.assertions.count == 1)
    }

    @Test("a refused token is dropped once: a late refusal of the old one leaves the new one alone")
    func invalidation() async throws {
        let desk = FCMTokenDesk()
        let tokens = FCMAccessTokens(account: FCMFixture.account) { try await desk.issue($0) }
        let first = try await tokens.token()
        await tokens.invalidate(first)
        #expect(try await tokens.token() == "token-2")
        await tokens.invalidate(first)
        #expect(try await tokens.token() == "token-2")
        await tokens.invalidate()
        #expect(try await tokens.token() == "token-3")
        #expect(await desk.assertions.count == 3)
    }

    @Test("a failed token request is not remembered: the next caller asks again")
    func failedRequest() async throws {
        let desk = FCMTokenDesk(failures: 1)
        let tokens = FCMAccessTokens(account: FCMFixture.account) { try await desk.issue($0) }
        await #expect(throws: FCMAccessTokens.Failure.refused(status: 503, error: "unavailable")) { try await tokens.token() }
        #expect(try await tokens.token() == "token-2")
        #expect(try await tokens.token() == "token-2")
    }

    @Test("the message: one token, the notification, string data, android and apns blocks with collapse key, priority, expiry and badge")
    func message() throws {
        let push = PushMessage(
            title: "Board", body: "Ada: See you at six", badge: 3, collapseKey: "0123456789abcdef0123456789abcdef", highPriority: true,
            data: ["chamber_id": "c1", "seq": "42"], expiresAt: FCMFixture.instant.addingTimeInterval(86_400))
        let body = FCMClient.body(push, token: "reg:APA91b", at: FCMFixture.instant)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(Array(root.keys) == ["message"])
        let message = try #require(root["message"] as? [String: Any])
        #expect(Set(message.keys) == ["token", "notification", "data", "android", "apns"])
        #expect(message["token"] as? String == "reg:APA91b")
        #expect(message["notification"] as? [String: String] == ["title": "Board", "body": "Ada: See you at six"])
        #expect(message["data"] as? [String: String] == ["chamber_id": "c1", "seq": "42"])
        let android = try #require(message["android"] as? [String: Any])
        #expect(android["collapse_key"] as? String == push.collapseKey)
        #expect(android["priority"] as? String == "HIGH")
        #expect(android["ttl"] as? String == "86400s")
        let androidNotification = try #require(android["notification"] as? [String: Any])
        #expect(androidNotification["tag"] as? String == push.collapseKey)
        #expect((androidNotification["notification_count"] as? Int) == 3)
        let apns = try #require(message["apns"] as? [String: Any])
        #expect(
            apns["headers"] as? [String: String] == [
                "apns-collapse-id": push.collapseKey, "apns-priority": "10", "apns-expiration": String(1_796_209_200 + 86_400),
            ])
        let payload = try #require(apns["payload"] as? [String: Any])
        let aps = try #require(payload["aps"] as? [String: Any])
        #expect((aps["badge"] as? Int) == 3)
        #expect(aps["thread-id"] as? String == push.collapseKey)
    }

    @Test("normal priority, a push past its expiry, a text too long for FCM's 4 KB")
    func messageEdges() throws {
        var push = PushMessage(
            title: "Board", body: String(repeating: "long text ", count: 500), badge: 0, collapseKey: "0123456789abcdef0123456789abcdef",
            highPriority: false, data: [:], expiresAt: FCMFixture.instant.addingTimeInterval(-10))
        let data = FCMClient.body(push, token: "t", at: FCMFixture.instant)
        #expect(data.count <= 4096)
        let message = try #require((try JSONSerialization.jsonObject(with: Data(data)) as? [String: Any])?["message"] as? [String: Any])
        let android = try #require(message["android"] as? [String: Any])
        #expect(android["priority"] as? String == "NORMAL")
        #expect(android["ttl"] as? String == "0s")
        #expect(
            (message["apns"] as? [String: Any])?["headers"] as? [String: String] == [
                "apns-collapse-id": push.collapseKey, "apns-priority": "5", "apns-expiration": String(1_796_209_200 - 10),
            ])
        #expect((message["notification"] as? [String: String])?["body"]?.count == 1_000)
        push.expiresAt = FCMFixture.instant.addingTimeInterval(90 * 86_400)
        let farBody = FCMClient.body(push, token: "t", at: FCMFixture.instant)
        let far = try #require(try JSONSerialization.jsonObject(with: Data(farBody)) as? [String: Any])
        #expect(((far["message"] as? [String: Any])?["android"] as? [String: Any])?["ttl"] as? String == "2419200s", "FCM's 28-day ceiling")
    }

    @Test("FCM's answers, read by its documented ErrorCode: device gone, rejected, retried with Retry-After")
    func answers() {
        func outcome(_ status: Int, _ body: String, retryAfter: String? = nil) -> String {
            fcmOutcomeKind(FCMClient.outcome(status: status, retryAfter: retryAfter, body: body))
        }
        #expect(outcome(200, #"{"name":"projects/chamber-test/messages/0:1500415314455276%31bd1c9631bd1c96"}"#) == "accepted")
        #expect(outcome(404, FCMFixture.errorBody(404, "NOT_FOUND", fcm: "UNREGISTERED")) == "deviceGone")
        #expect(outcome(403, FCMFixture.errorBody(403, "PERMISSION_DENIED", fcm: "SENDER_ID_MISMATCH")) == "deviceGone")
        #expect(outcome(400, FCMFixture.errorBody(400, "INVALID_ARGUMENT", fcm: "INVALID_ARGUMENT")) == "rejected", "a malformed message")
        #expect(
            outcome(400, FCMFixture.errorBody(400, "INVALID_ARGUMENT", fcm: "INVALID_ARGUMENT", tokenViolation: true)) == "deviceGone",
            "a token FCM never issued")
        #expect(outcome(429, FCMFixture.errorBody(429, "RESOURCE_EXHAUSTED", fcm: "QUOTA_EXCEEDED"), retryAfter: "30") == "retry 30")
        #expect(outcome(503, FCMFixture.errorBody(503, "UNAVAILABLE", fcm: "UNAVAILABLE")) == "retry")
        #expect(outcome(503, FCMFixture.errorBody(503, "UNAVAILABLE", fcm: "UNAVAILABLE"), retryAfter: "120") == "retry 120")
        #expect(outcome(500, FCMFixture.errorBody(500, "INTERNAL", fcm: "INTERNAL")) == "retry")
        #expect(outcome(401, FCMFixture.errorBody(401, "UNAUTHENTICATED", fcm: "THIRD_PARTY_AUTH_ERROR")) == "rejected", "the project's APNs key")
        #expect(outcome(401, FCMFixture.errorBody(401, "UNAUTHENTICATED", fcm: nil)) == "retry", "our token, refused twice")
        #expect(outcome(404, FCMFixture.errorBody(404, "NOT_FOUND", fcm: nil)) == "rejected", "a wrong project says nothing of the device")
        #expect(outcome(403, FCMFixture.errorBody(403, "PERMISSION_DENIED", fcm: nil)) == "rejected")
        #expect(outcome(502, "<html>Bad Gateway</html>") == "retry")
        #expect(outcome(429, "", retryAfter: "7") == "retry 7")
        let gone = FCMFixture.errorBody(404, "NOT_FOUND", fcm: "UNREGISTERED", message: "Requested entity was not found.")
        #expect(FCMClient.outcome(status: 404, retryAfter: nil, body: gone) == .deviceGone("http_404 UNREGISTERED Requested entity was not found."))
    }

    @Test("the error body: FcmError's code first, the canonical status without it, the token field violation")
    func errorBody() throws {
        let unregistered = try #require(FCMClient.FCMError(FCMFixture.errorBody(404, "NOT_FOUND", fcm: "UNREGISTERED")))
        #expect(unregistered.code == "UNREGISTERED" && unregistered.status == "NOT_FOUND" && !unregistered.rejectsToken)
        let bare = try #require(FCMClient.FCMError(FCMFixture.errorBody(503, "UNAVAILABLE", fcm: nil)))
        #expect(bare.code == "UNAVAILABLE" && bare.errorCode == nil)
        let badToken = try #require(FCMClient.FCMError(FCMFixture.errorBody(400, "INVALID_ARGUMENT", fcm: "INVALID_ARGUMENT", tokenViolation: true)))
        #expect(badToken.rejectsToken)
        #expect(FCMClient.FCMError("<html>") == nil)
        #expect(FCMClient.FCMError(#"{"error":"invalid_grant"}"#) == nil)
    }
}
