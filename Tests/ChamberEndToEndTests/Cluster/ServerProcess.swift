import ChamberTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `chamberconnect serve` process of the cluster under test, on its own loopback port, logging to a file.
final class ServerProcess: @unchecked Sendable {
    // @unchecked: used by the one test that owns it.
    let port: Int
    let name: String
    private let process = Process()
    let logFile: URL

    /// The binary `scripts/test.sh` built (`CHAMBER_TEST_BINARY`), or the debug build beside the package.
    static var binary: String {
        ProcessInfo.processInfo.environment["CHAMBER_TEST_BINARY"]
            ?? FrameSchemas.root.deletingLastPathComponent().appendingPathComponent(".build/debug/chamberconnect").path
    }

    init(name: String, environment: [String: String]) throws {
        self.name = name
        port = try freeLoopbackPort()
        let root = FrameSchemas.root.deletingLastPathComponent()
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("chamber-\(name)-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw TestBackendError("\(Self.binary) is missing: run the tests with ./scripts/test.sh (it builds every product first)")
        }
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--port", "\(port)"]
        process.currentDirectoryURL = root
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        env["CHAMBER_CLUSTER_NODE_NAME"] = name
        process.environment = env
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// The environment of one node on its own: a database of its own on `backend` (its workers would otherwise take
    /// the fan-out and pushes of the servers other tests run), the in-process broker, no demo, fast bcrypt.
    static func singleNodeEnvironment(_ backend: TestBackend, _ extra: [String: String] = [:]) async throws -> [String: String] {
        var environment = [
            "CHAMBER_DATABASE_URL": try await backend.makeIsolatedURL(), "CHAMBER_AUTH_JWT_SECRET": testJWTSecret, "CHAMBER_AUTH_BCRYPT_COST": "4",
            "CHAMBER_BROKER_KIND": "in-process", "CHAMBER_DEMO_ENABLED": "false",
            "CHAMBER_LOG_LEVEL": ProcessInfo.processInfo.environment["CHAMBER_TEST_SERVER_LOG_LEVEL"] ?? "warning",
        ]
        if backend == .postgres { environment["CHAMBER_DATABASE_MAX_CONNECTIONS"] = "4" }
        environment.merge(extra) { $1 }
        return environment
    }

    /// Waits until `/ready` answers 200.
    func waitReady(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw TestBackendError("\(name) exited: \(log())") }
            if let (status, _) = try? await HTTP.call(port: port, "GET", "/ready"), status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestBackendError("\(name) not ready within \(timeout): \(log())")
    }

    /// Sends `signal` to the process (SIGHUP: read the TLS certificate again).
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// `kill -9`: no drain, no goodbye to the cluster.
    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func log() -> String {
        String(decoding: (try? Data(contentsOf: logFile)) ?? Data(), as: UTF8.self).suffix(3000).description
    }
}

/// A tiny HTTP client for servers in other processes.
enum HTTP {
    static func call(
        port: Int, _ method: String, _ path: String, token: String? = nil, json: [String: Any]? = nil, headers: [String: String] = [:]
    ) async throws -> (Int, JSON) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 60
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        return (status, (try? JSON.parse(data)) ?? .null)
    }
}

extension HTTP {
    /// A new account on the server at `port`, signed in.
    static func signUp(port: Int, _ name: String) async throws -> ClusterAccount {
        let email = "\(unique(name))@example.com"
        let (status, body) = try await call(
            port: port, "POST", "/v1/auth/register", json: ["email": email, "password": "correct horse battery", "display_name": name.capitalized])
        #expect(status == 201, "\(body)")
        return try await logIn(port: port, email)
    }

    static func logIn(port: Int, _ email: String) async throws -> ClusterAccount {
        let (_, body) = try await call(port: port, "POST", "/v1/auth/login", json: ["email": email, "password": "correct horse battery"])
        return ClusterAccount(email: email, userID: body["user"]["id"].string ?? "", accessToken: body["access_token"].string ?? "")
    }
}
