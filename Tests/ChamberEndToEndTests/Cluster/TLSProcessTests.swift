import ChamberTestSupport
import Foundation
import Testing

/// A node that terminates TLS itself (README "Configuration", `server.tls_certificate_file`): HTTPS and `wss://` on
/// its port, HSTS on every answer, and a renewed certificate taken on SIGHUP without a restart, while a broken one is
/// refused and the one in use stays. Checked with curl and openssl, as an operator would.
@Suite("TLS in the server", .serialized)
struct TLSProcessTests {
    /// Runs `command` in a shell; its exit status and what it printed (both streams).
    static func shell(_ command: String) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            process.terminationHandler = { process in
                let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                continuation.resume(returning: (process.terminationStatus, output))
            }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
    }

    /// A self-signed certificate for 127.0.0.1 named `name`, and its key (private, as the node requires).
    static func certificate(_ name: String, in folder: URL) async throws {
        let made = try await shell(
            "cd '\(folder.path)' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout key.pem -out cert.pem "
                + "-days 2 -subj '/CN=\(name)' -addext 'subjectAltName=IP:127.0.0.1' && chmod 600 key.pem")
        #expect(made.status == 0, "\(made.output)")
    }

    /// The common name of the certificate the node at `port` serves now.
    static func served(_ port: Int) async throws -> String {
        try await shell(
            "openssl s_client -connect 127.0.0.1:\(port) -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -subject"
        ).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("HTTPS and wss on the node's port with HSTS; SIGHUP takes a renewed certificate and refuses a broken one")
    func tls() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chamber-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try await Self.certificate("chamber-test-one", in: folder)
        // The trust anchor of the first certificate, kept aside: curl checks the node against it.
        _ = try await Self.shell("cp '\(folder.path)/cert.pem' '\(folder.path)/first.pem'")
        var environment = try await ServerProcess.singleNodeEnvironment(.sqlite)
        environment["CHAMBER_SERVER_TLS_CERTIFICATE_FILE"] = folder.appendingPathComponent("cert.pem").path
        environment["CHAMBER_SERVER_TLS_KEY_FILE"] = folder.appendingPathComponent("key.pem").path
        let server = try ServerProcess(name: "tls", environment: environment)
        defer { server.killHard() }
        let health = "curl -sS --max-time 5 -D - --cacert '\(folder.path)/first.pem' https://127.0.0.1:\(server.port)/health"
        try await eventually("the node answers over HTTPS", timeout: .seconds(60)) { (try? await Self.shell(health))?.status == 0 }

        let answer = try await Self.shell(health)
        #expect(answer.output.hasPrefix("HTTP/1.1 200"), "\(answer.output)")
        #expect(answer.output.lowercased().contains("strict-transport-security: max-age=31536000"), "\(answer.output)")
        let plain = try await Self.shell("curl -sS --max-time 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:\(server.port)/health")
        #expect(plain.output != "200", "plain HTTP is not served on a TLS port: \(plain.output)")
        let upgrade = try await Self.shell(
            "curl -sS --http1.1 --max-time 3 -i -N --cacert '\(folder.path)/first.pem' -H 'Connection: Upgrade' -H 'Upgrade: websocket' "
                + "-H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' https://127.0.0.1:\(server.port)/v1/ws")
        #expect(upgrade.output.contains("HTTP/1.1 101 Switching Protocols"), "wss: \(upgrade.output.prefix(300))")
        #expect(try await Self.served(server.port).contains("chamber-test-one"))

        // Renewed: the new certificate is served to new connections after SIGHUP.
        try await Self.certificate("chamber-test-two", in: folder)
        server.send(SIGHUP)
        try await eventually("the renewed certificate served", timeout: .seconds(30)) {
            (try? await Self.served(server.port))?.contains("chamber-test-two") == true
        }
        // Broken (a key that is no key): refused, and the renewed one stays.
        try "not a key".write(to: folder.appendingPathComponent("key.pem"), atomically: true, encoding: .utf8)
        server.send(SIGHUP)
        try await eventually("the broken pair refused", timeout: .seconds(30)) { server.log().contains("TLS certificate not reloaded") }
        #expect(try await Self.served(server.port).contains("chamber-test-two"), "\(server.log())")
        #expect(try await Self.shell("curl -sS --max-time 5 -k https://127.0.0.1:\(server.port)/ready").output.contains("\"ready\""))
    }
}
