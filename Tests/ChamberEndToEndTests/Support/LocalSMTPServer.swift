import ChamberTestSupport
import Foundation

/// A real SMTP server on a free loopback port, for one test: Python's aiosmtpd, with AUTH PLAIN and LOGIN against
/// one user, STARTTLS with a certificate authority of the test's own, and refusals scripted per recipient. Every
/// message it accepts is kept with its envelope, how the session was secured and authenticated, and what Python's
/// own e-mail parser reads in it, so the client's MIME is checked by a parser other than its author's.
///
/// Needs `python3` with aiosmtpd (`python3 -m pip install aiosmtpd`, or the interpreter `CHAMBER_TEST_PYTHON`
/// names), and `openssl` for STARTTLS. Without them it throws: the tests fail rather than skip.
final class LocalSMTPServer: @unchecked Sendable {
    // @unchecked: everything is set in init; only the test that owns the server uses it.

    struct Options: Sendable {
        /// The one user name and password AUTH accepts; with them, the server refuses mail without AUTH.
        var username: String?
        var password: String?
        /// Mechanisms not to offer, e.g. `["PLAIN"]` to make the client use LOGIN.
        var excludedMechanisms: [String] = []
        /// Offer STARTTLS, and require it before MAIL and AUTH.
        var startTLS = false
        /// The reply to give to RCPT TO for these recipients, e.g. `"550 5.1.1 No such user"`.
        var refusals: [String: String] = [:]
    }

    /// One message the server accepted.
    struct Received: Decodable, Sendable {
        struct Part: Decodable, Sendable {
            let contentType: String
            let charset: String
            let transferEncoding: String
            /// The part decoded (transfer encoding and charset), as Python reads it: CRLF line endings.
            let text: String
        }

        let mailFrom: String
        let rcptTos: [String]
        let mailOptions: [String]
        /// Whether the message came over TLS.
        let tls: Bool
        /// The AUTH mechanism that succeeded, or "".
        let mechanism: String
        let login: String
        /// Header names and values, in order, encoded-words decoded.
        let headers: [[String]]
        let contentType: String
        let parts: [Part]
        /// What Python's parser found wrong in the message.
        let defects: [String]
        /// The message as received (after DATA's dot-unstuffing), base64.
        let raw: String

        func header(_ name: String) -> String? {
            headers.first { $0.first?.lowercased() == name.lowercased() }.flatMap { $0.count > 1 ? $0[1] : nil }
        }

        var rawText: String { String(decoding: Data(base64Encoded: raw) ?? Data(), as: UTF8.self) }
    }

    /// The port it listens on: the one picked free, or another when that was taken before the server could bind it.
    private(set) var port: Int
    /// The certificate authority that signed the server's certificate (for `127.0.0.1` and `localhost`), when
    /// STARTTLS is on.
    let caFile: String?
    private let process = Process()
    private let folder: URL
    private let output: URL

    init(_ options: Options = Options()) throws {
        let port = try freeLoopbackPort()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chamber-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let output = folder.appendingPathComponent("received.jsonl")
        self.port = port
        self.folder = folder
        self.output = output

        var configuration: [String: Any] = [
            "host": "127.0.0.1", "port": port, "out": output.path, "refuse": options.refusals,
            "exclude_mechanisms": options.excludedMechanisms,
        ]
        if let username = options.username, let password = options.password {
            configuration["username"] = username
            configuration["password"] = password
        }
        if options.startTLS {
            let (ca, certificate, key) = try Self.makeCertificates(in: folder)
            caFile = ca
            configuration["tls_cert"] = certificate
            configuration["tls_key"] = key
        } else {
            caFile = nil
        }
        let configurationFile = folder.appendingPathComponent("server.json")
        try JSONSerialization.data(withJSONObject: configuration).write(to: configurationFile)
        let script = folder.appendingPathComponent("server.py")
        try Self.script.write(to: script, atomically: true, encoding: .utf8)

        let stdout = folder.appendingPathComponent("stdout.log")
        let stderr = folder.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let python = ProcessInfo.processInfo.environment["CHAMBER_TEST_PYTHON"] ?? "python3"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script.path, configurationFile.path]
        // Files, not the test runner's pipes: a server left behind would hold them open, and `swift test` waits for them.
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()

        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            // Whole lines only: a line still being written could hold part of the port.
            let lines = (try? String(contentsOf: stdout, encoding: .utf8))?.split(separator: "\n", omittingEmptySubsequences: false).dropLast() ?? []
            if let started = lines.first(where: { $0.hasPrefix("ready ") }),
                let chosen = Int(started.dropFirst("ready ".count))
            {
                self.port = chosen
                return
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let errors = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
        stop()
        throw TestBackendError(
            "aiosmtpd did not start on 127.0.0.1:\(port) (install it with `python3 -m pip install aiosmtpd`, or set CHAMBER_TEST_PYTHON "
                + "to a Python that has it): \(errors.suffix(2_000))")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// The messages accepted so far, in order. The server writes each before it answers 250 to the message, so a
    /// message the client saw accepted is here.
    func received() throws -> [Received] {
        guard let text = try? String(contentsOf: output, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try text.split(separator: "\n").map { try decoder.decode(Received.self, from: Data($0.utf8)) }
    }

    private func stop() {
        guard process.isRunning else { return }
        // SIGKILL: on Linux, Process hands the child the spawning thread's signal mask, and Dispatch's threads block
        // SIGTERM (swift-corelibs-foundation#4772), so terminate() went unheard and waitUntilExit() never returned.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// A certificate authority and a server certificate it signed, for 127.0.0.1 and localhost: the client trusts
    /// that authority alone, as it would a real relay's.
    private static func makeCertificates(in folder: URL) throws -> (ca: String, certificate: String, key: String) {
        let path = { (name: String) in folder.appendingPathComponent(name).path }
        try """
        subjectAltName=IP:127.0.0.1,DNS:localhost
        basicConstraints=critical,CA:FALSE
        keyUsage=critical,digitalSignature
        extendedKeyUsage=serverAuth

        """.write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + curve + ["-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj", "/CN=Chamber Test CA"])
        try openssl(["req", "-new"] + curve + ["-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost"])
        try openssl([
            "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial",
            "-out", path("server.pem"), "-days", "2", "-extfile", path("server.ext"),
        ])
        return (path("ca.pem"), path("server.pem"), path("server.key"))
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let command = arguments.prefix(2).joined(separator: " ")
            throw TestBackendError("openssl \(command) failed (status \(process.terminationStatus)): is openssl installed?")
        }
    }

    /// The server: aiosmtpd's threaded Controller, the handler that records, the authenticator.
    private static let script = #"""
        # A loopback SMTP server for ChamberConnect's tests (Tests/ChamberEndToEndTests/Support/LocalSMTPServer.swift).
        import base64, email, email.policy, errno, json, os, signal, socket, ssl, sys, time
        signal.pthread_sigmask(signal.SIG_SETMASK, set())  # the mask inherited from the test's thread blocks SIGTERM
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        config = json.load(open(sys.argv[1]))


        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                refusal = config["refuse"].get(address)
                if refusal:
                    return refusal
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                raw = envelope.original_content
                message = email.message_from_bytes(raw, policy=email.policy.default)
                parts = []
                defects = [str(d) for d in message.defects]
                for part in message.iter_parts():
                    defects += [str(d) for d in part.defects]
                    parts.append({
                        "content_type": part.get_content_type(),
                        "charset": part.get_content_charset() or "",
                        "transfer_encoding": str(part.get("Content-Transfer-Encoding", "")),
                        "text": part.get_content(),
                    })
                record = {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "mail_options": envelope.mail_options,
                    "tls": session.ssl is not None,
                    "mechanism": getattr(session, "chamber_mechanism", ""),
                    "login": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else "",
                    "headers": [[name, str(value)] for name, value in message.items()],
                    "content_type": message.get_content_type(),
                    "parts": parts,
                    "defects": defects,
                    "raw": base64.b64encode(raw).decode(),
                }
                # Written before the 250: a message the client saw accepted is in the file.
                with open(config["out"], "a") as out:
                    out.write(json.dumps(record) + "\n")
                return "250 2.0.0 OK: queued"


        def authenticator(server, session, envelope, mechanism, auth_data):
            accepted = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == config["username"]
                and auth_data.password.decode() == config["password"]
            )
            if accepted:
                session.chamber_mechanism = mechanism
            return AuthResult(success=accepted, handled=False, auth_data=auth_data)


        options = {}
        if "username" in config:
            options.update(authenticator=authenticator, auth_required=True, auth_require_tls="tls_cert" in config)
        if config["exclude_mechanisms"]:
            options["auth_exclude_mechanism"] = config["exclude_mechanisms"]
        if "tls_cert" in config:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(config["tls_cert"], config["tls_key"])
            options.update(tls_context=context, require_starttls=True)

        # The port the test chose was free when it looked; another process may have taken it since. Then take another.
        port = config["port"]
        for attempt in range(20):
            controller = Controller(Handler(), hostname=config["host"], port=port, server_hostname="smtp.chamber.test", **options)
            try:
                controller.start()
                break
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    controller.stop(no_assert=True)
                    raise
                print(f"port {port} taken; trying another", file=sys.stderr, flush=True)
                with socket.socket() as probe:
                    probe.bind((config["host"], 0))
                    port = probe.getsockname()[1]
        else:
            sys.exit("no free port")
        print(f"ready {port}", flush=True)

        # The test process owns this server: when it goes away, even killed, the server goes too.
        parent = os.getppid()
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

        """#
}
