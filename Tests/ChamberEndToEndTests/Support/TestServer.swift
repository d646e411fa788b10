import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Starts a real server (real socket, real database) for one test and hands it a client.
/// - Parameter isolated: a database of the test's own on PostgreSQL too (see ``TestBackend/makeIsolatedURL()``).
func withServer(
    _ backend: TestBackend, isolated: Bool = false, configure: (inout ServerConfiguration) -> Void = { _ in },
    _ test: @escaping @Sendable (TestAPI) async throws -> Void
) async throws {
    var configuration = ServerConfiguration()
    configuration.host = "127.0.0.1"
    configuration.port = 0
    configuration.databaseURL = isolated ? try await backend.makeIsolatedURL() : try backend.makeURL()
    configuration.jwtSecret = testJWTSecret
    configuration.bcryptCost = 4
    // The membership standing job runs on the tests' own clocks (a node's hourly run, on the wall clock, would move
    // back what a test moved forward in the shared database).
    configuration.standingSweepSeconds = 0
    // So does the event upkeep job (offers and payment deadlines), for the same reason.
    configuration.eventSweepSeconds = 0
    // And retention: a test runs it when it wants, on its own clock.
    configuration.retentionSweepSeconds = 0
    // Dozens of test servers share one PostgreSQL: small pools keep them under its connection limit.
    configuration.databaseMaxConnections = 4
    // A test's client holds one connection that cannot reconnect, opened as the server starts: on a loaded machine
    // a test's set-up or direct work on the store can outlast the usual 10 s before a first request and 30 s of quiet
    // after one, and the client would find its connection closed. The tests of those limits set their own.
    configuration.idleTimeoutSeconds = 600
    configuration.requestHeadTimeoutSeconds = 600
    // Every account of a test comes from 127.0.0.1; the tests of the limit set their own.
    configuration.registerMaxPerAddress = 100_000
    configuration.wordListFile = FrameSchemas.root.deletingLastPathComponent().appendingPathComponent("Config/moderation/words.txt").path
    configuration.moderationRulesFile = FrameSchemas.root.deletingLastPathComponent().appendingPathComponent("Config/moderation/rules.json").path
    configuration.categoriesFile = FrameSchemas.root.deletingLastPathComponent().appendingPathComponent("Config/membership/categories.json").path
    // Every test server is a one-node cluster on its own in-process broker, and on PostgreSQL they all share one
    // database: a sweep would notify other tests' messages through a broker their sockets are not on. A real
    // cluster has one broker; the servers the process tests start sweep as configured by default.
    configuration.notificationSweepMs = 0
    configuration.webRoot = FrameSchemas.root.deletingLastPathComponent().appendingPathComponent("Web").path
    configuration.filesLocalPath = FileManager.default.temporaryDirectory.appendingPathComponent("chamber-test-files-\(UUID().uuidString)").path
    configure(&configuration)
    var logger = Logger(label: "test.server")
    logger.logLevel = .warning
    let node = try await ChamberNode.assemble(configuration, logger: logger)
    try await withLiveServer({ node.makeApplication(onServerRunning: $0) }) { client in
        try await test(TestAPI(client: client, node: node))
    }
}

/// A response, with its JSON parsed.
struct APIResponse: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: Data
    var json: JSON { (try? JSON.parse(body)) ?? .null }
    var errorCode: String? { json["error"]["code"].string }
    var errorField: String? { json["error"]["field"].string }
}

/// A REST client that checks every response it receives against `Protocol/openapi.yaml`.
struct TestAPI: Sendable {
    let client: LiveClient
    let node: ChamberNode

    var store: SQLStore { node.store }

    enum Body {
        case json(JSON)
        case raw(String)
    }

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: [String: Any]? = nil, raw: String? = nil,
        bytes: [UInt8]? = nil, headers extra: HTTPFields = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> APIResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        } else if let raw {
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
            body = ByteBuffer(string: raw)
        } else if let bytes {
            body = ByteBuffer(bytes: bytes)
        }
        let response = try await client.executeRequest(uri: path, method: method, headers: headers, body: body)
        let data = Data(response.body.readableBytesView)
        let problems = OpenAPIContract.shared.check(
            method: method.rawValue, path: path, status: Int(response.status.code),
            contentType: response.headers[.contentType], body: data)
        for problem in problems {
            Issue.record(
                "response does not match Protocol/openapi.yaml: \(problem)\nbody: \(String(decoding: data, as: UTF8.self))",
                sourceLocation: sourceLocation)
        }
        return APIResponse(status: response.status, headers: response.headers, body: data)
    }

    /// Registers and logs in a new account; returns its tokens and ids.
    func signUp(_ name: String, password: String = "correct horse battery") async throws -> Account {
        let email = "\(unique(name))@example.com"
        let registered = try await call(.post, "/v1/auth/register", json: ["email": email, "password": password, "display_name": name.capitalized])
        #expect(registered.status == .created, "register \(email): \(registered.json)")
        return try await logIn(email: email, password: password)
    }

    func logIn(email: String, password: String) async throws -> Account {
        let login = try await call(.post, "/v1/auth/login", json: ["email": email, "password": password])
        #expect(login.status == .ok, "login \(email): \(login.json)")
        return Account(
            email: email, password: password, userID: login.json["user"]["id"].string ?? "", accessToken: login.json["access_token"].string ?? "",
            refreshToken: login.json["refresh_token"].string ?? "", sessionID: login.json["session_id"].string ?? "")
    }

    /// Creates a chamber as `founder`; returns its id.
    func createChamber(_ founder: Account, name: String = "Test Chamber") async throws -> String {
        let response = try await call(.post, "/v1/chambers", token: founder.accessToken, json: ["name": name, "slug": unique("chamber")])
        #expect(response.status == .created, "create chamber: \(response.json)")
        return response.json["id"].string ?? ""
    }

    /// Invites `member` into the chamber with `role` and accepts for them.
    func addMember(_ member: Account, to chamberID: String, role: String, by admin: Account) async throws {
        let invite = try await call(
            .post, "/v1/chambers/\(chamberID)/invitations", token: admin.accessToken, json: ["email": member.email, "role": role])
        #expect(invite.status == .created, "invite: \(invite.json)")
        let accept = try await call(.post, "/v1/invitations/accept", token: member.accessToken, json: ["token": invite.json["token"].string ?? ""])
        #expect(accept.status == .ok, "accept: \(accept.json)")
    }
}

struct Account: Sendable {
    let email: String
    let password: String
    let userID: String
    let accessToken: String
    let refreshToken: String
    let sessionID: String
}
