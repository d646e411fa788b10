import ChamberDomain
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdHTTP2
import HummingbirdTesting
import NIOCore
import NIOSSL
import Synchronization

/// APNs on loopback: HTTP/2 over TLS with a certificate of its own, checking each request as Apple documents it (the
/// provider token's ES256 signature, key id and team; `apns-*` headers; the JSON `aps` payload) and answering with
/// the statuses and reasons a test scripts. It records which connection each push came on, so a test can see that
/// many pushes share one HTTP/2 connection.
final class FakeAPNsService: Sendable {
    /// One push as received.
    struct Received: Sendable {
        let token: String
        let sandbox: Bool
        let headers: HTTPFields
        let payload: JSON
        let connection: ObjectIdentifier
        let jwt: String
    }

    struct Answer: Sendable {
        let status: Int
        let reason: String?
        let retryAfter: String?
        init(_ status: Int, _ reason: String? = nil, retryAfter: String? = nil) {
            self.status = status
            self.reason = reason
            self.retryAfter = retryAfter
        }
    }

    private struct State {
        var scripted: [String: [Answer]] = [:]
        var received: [Received] = []
        var refused: [String] = []
        var attempts: [String: Int] = [:]
        var jwts: [String] = []
    }

    private let state = Mutex(State())
    let port: Int
    /// The .p8 key the server is configured with, and its ids.
    let keyPEM: String
    let publicKey: P256.Signing.PublicKey
    let keyID = "ABC123DEFG"
    let teamID = "DEF123GHIJ"
    /// The PEM certificate clients must trust (`push.tls_ca_file`).
    let certificateFile: String

    private init(port: Int, key: P256.Signing.PrivateKey, certificateFile: String) {
        self.port = port
        self.keyPEM = key.pemRepresentation
        self.publicKey = key.publicKey
        self.certificateFile = certificateFile
    }

    var productionURL: String { "https://127.0.0.1:\(port)" }
    var sandboxURL: String { "https://127.0.0.1:\(port)/sandbox" }

    /// A request context that knows the HTTP/2 connection a stream belongs to.
    struct Context: RequestContext {
        var coreContext: CoreRequestContextStorage
        /// The connection's channel: an HTTP/2 stream's parent. Nil when the request did not come as an HTTP/2 stream.
        let connection: ObjectIdentifier?

        init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            // An HTTP/2 stream's channel hangs under its connection's, which hangs under the listening socket's.
            connection = source.channel.parent?.parent != nil ? source.channel.parent.map(ObjectIdentifier.init) : nil
        }
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable (FakeAPNsService) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("apns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let certificate = folder.appendingPathComponent("cert.pem").path
        let privateKey = folder.appendingPathComponent("key.pem").path
        try Self.makeCertificate(certificate: certificate, key: privateKey)
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: privateKey, format: .pem)))
        tls.applicationProtocols = ["h2"]
        let router = Router(context: Context.self)
        let box = Mutex<FakeAPNsService?>(nil)
        for prefix in ["", "/sandbox"] {
            router.post("\(prefix)/3/device/{token}") { request, context -> Response in
                guard let service = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
                let body = try await request.body.collect(upTo: 1 << 20)
                return service.receive(
                    token: context.parameters.get("token") ?? "", sandbox: !prefix.isEmpty, headers: request.headers,
                    body: Data(body.readableBytesView), connection: context.connection)
            }
        }
        let key = P256.Signing.PrivateKey()
        return try await withLiveServer({
            Application(
                router: router, server: try .http2Upgrade(tlsConfiguration: tls), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: $0)
        }) { client in
            let service = FakeAPNsService(port: client.port!, key: key, certificateFile: certificate)
            box.withLock { $0 = service }
            return try await body(service)
        }
    }

    /// A self-signed certificate for 127.0.0.1, made by the openssl command line.
    private static func makeCertificate(certificate: String, key: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
            certificate, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Refusal("openssl could not make a certificate") }
    }

    /// The next answers for pushes to `token`, in order; after them, 200.
    func script(_ token: String, _ answers: [Answer]) {
        state.withLock { $0.scripted[token, default: []] += answers }
    }

    var received: [Received] { state.withLock { $0.received } }
    func received(by token: String) -> [Received] { received.filter { $0.token == token } }
    func attempts(for token: String) -> Int { state.withLock { $0.attempts[token] ?? 0 } }
    var refused: [String] { state.withLock { $0.refused } }

    private func receive(token: String, sandbox: Bool, headers: HTTPFields, body: Data, connection: ObjectIdentifier?) -> Response {
        let answer = state.withLock { state -> Answer? in
            state.attempts[token, default: 0] += 1
            return state.scripted[token]?.isEmpty == false ? state.scripted[token]!.removeFirst() : nil
        }
        do {
            guard let connection else { throw Refusal("not an HTTP/2 stream: APNs speaks HTTP/2 only") }
            let jwt = try checkToken(headers)
            try Self.checkHeaders(headers)
            guard body.count <= 4096 else { throw Refusal("payload over 4 KB") }
            let payload = try JSON.parse(body)
            guard payload["aps"]["alert"]["title"].string != nil, payload["aps"]["alert"]["body"].string != nil, payload["aps"]["badge"].int != nil
            else { throw Refusal("aps.alert.title, aps.alert.body and aps.badge are expected") }
            if let answer {
                var fields = HTTPFields()
                fields[HTTPField.Name("apns-id")!] = headers[HTTPField.Name("apns-id")!] ?? ""
                if let retryAfter = answer.retryAfter { fields[HTTPField.Name("retry-after")!] = retryAfter }
                let reason = answer.reason.map { #"{"reason":"\#($0)"}"# } ?? ""
                return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: reason)))
            }
            state.withLock {
                $0.received.append(Received(token: token, sandbox: sandbox, headers: headers, payload: payload, connection: connection, jwt: jwt))
            }
            return Response(status: .ok, headers: [HTTPField.Name("apns-id")!: headers[HTTPField.Name("apns-id")!] ?? ""])
        } catch {
            state.withLock { $0.refused.append("\(error)") }
            return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: #"{"reason":"BadRequest"}"#)))
        }
    }

    struct Refusal: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// `authorization: bearer <JWT>`: ES256 by our key, `kid` our key id, `iss` our team, `iat` within the hour.
    private func checkToken(_ headers: HTTPFields) throws -> String {
        guard let header = headers[.authorization], header.lowercased().hasPrefix("bearer ") else { throw Refusal("MissingProviderToken") }
        let jwt = String(header.dropFirst(7))
        let pieces = jwt.split(separator: ".").map(String.init)
        guard pieces.count == 3, let signature = Base64URL.decode(pieces[2]),
            let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature),
            publicKey.isValidSignature(ecdsa, for: Data((pieces[0] + "." + pieces[1]).utf8))
        else { throw Refusal("InvalidProviderToken: signature") }
        guard let head = Base64URL.decode(pieces[0]).flatMap({ try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }),
            head["alg"] as? String == "ES256", head["kid"] as? String == keyID
        else { throw Refusal("InvalidProviderToken: header") }
        guard let claims = Base64URL.decode(pieces[1]).flatMap({ try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }),
            claims["iss"] as? String == teamID, let iat = claims["iat"] as? Int, abs(Int(Date().timeIntervalSince1970) - iat) < 3600
        else { throw Refusal("InvalidProviderToken: claims") }
        state.withLock { if !$0.jwts.contains(jwt) { $0.jwts.append(jwt) } }
        return jwt
    }

    /// Provider tokens seen, in order.
    var jwts: [String] { state.withLock { $0.jwts } }

    private static func checkHeaders(_ headers: HTTPFields) throws {
        func value(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
        guard value("apns-topic")?.isEmpty == false else { throw Refusal("MissingTopic") }
        guard value("apns-push-type") == "alert" else { throw Refusal("InvalidPushType") }
        guard ["10", "5"].contains(value("apns-priority") ?? "10") else { throw Refusal("BadPriority") }
        guard value("apns-expiration").flatMap(Int.init) != nil else { throw Refusal("BadExpirationDate") }
        guard let collapse = value("apns-collapse-id"), collapse.utf8.count <= 64 else { throw Refusal("BadCollapseId") }
        if let id = value("apns-id") { guard UUID(uuidString: id) != nil else { throw Refusal("BadMessageId") } }
    }
}
