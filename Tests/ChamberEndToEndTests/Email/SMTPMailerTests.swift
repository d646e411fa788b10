import ChamberDomain
import ChamberNotify
import ChamberTestSupport
import Foundation
import NIOCore
import Testing

/// The SMTP mailer against a real SMTP server (aiosmtpd, `LocalSMTPServer`): what arrives, envelope, headers and
/// both parts as Python's e-mail parser reads them; AUTH PLAIN and LOGIN; STARTTLS; and each failure as its error.
@Suite("Email: SMTPMailer through a real SMTP server")
struct SMTPMailerTests {
    static let from = "noreply@chamber.test"
    /// A notification mail's own signed link, as the unsubscribe service makes it.
    static let unsubscribe = "https://chamber.test/v1/email/unsubscribe?token=c2lnbmVk.dGVzdA"

    static func configuration(
        _ server: LocalSMTPServer, host: String = "127.0.0.1", security: SMTPConfiguration.Security = .none, username: String? = "mailer",
        password: String? = "s3cret", trustRootsFile: String? = nil
    ) throws -> SMTPConfiguration {
        try SMTPConfiguration(
            host: host, port: server.port, security: security, username: username, password: password, fromAddress: from,
            fromName: "ChamberConnect", commandTimeout: .seconds(60), trustRootsFile: trustRootsFile)
    }

    static let credentials = LocalSMTPServer.Options(username: "mailer", password: "s3cret")

    /// A body with what tends to break mail: a line that is only a dot (it would end DATA unstuffed), one that starts
    /// with a dot, HTML's special characters, accents, a line far over 76 characters, a space ending a line.
    static let body = """
        Ada invites you to join Board as member.
        Invitation token: 01J9Z.abc-DEF_123

        .
        .hidden starts with a dot
        <b>bold?</b> & "quoted" 'single' café =3D not an escape\u{20}
        \(String(repeating: "long-line ", count: 120))
        Last line
        """

    @Test("a mail arrives whole: envelope, AUTH PLAIN, headers, both parts, its own List-Unsubscribe link")
    func delivers() async throws {
        let server = try LocalSMTPServer(Self.credentials)
        let mailer = try SMTPMailer(configuration: Self.configuration(server))
        let subject = "Invitation à «Board» ✉️ — with a subject long enough to be folded over several encoded words"
        try await mailer.send(
            Mail(kind: .notifications, to: "ben+tag@chamber.test", subject: subject, body: Self.body, unsubscribeURL: Self.unsubscribe))

        let received = try server.received()
        #expect(received.count == 1)
        let mail = try #require(received.first)
        #expect(mail.mailFrom == Self.from)
        #expect(mail.rcptTos == ["ben+tag@chamber.test"])
        #expect(mail.mechanism == "PLAIN" && mail.login == "mailer")
        #expect(mail.tls == false)
        #expect(mail.defects.isEmpty, "Python's parser found defects: \(mail.defects)")

        #expect(mail.header("From") == "ChamberConnect <noreply@chamber.test>")
        #expect(mail.header("To") == "ben+tag@chamber.test")
        #expect(mail.header("Subject") == subject)
        #expect(mail.header("MIME-Version") == "1.0")
        #expect(mail.header("Auto-Submitted") == "auto-generated")
        let messageID = try #require(mail.header("Message-ID"))
        #expect(messageID.hasPrefix("<") && messageID.hasSuffix("@chamber.test>"))
        let date = try #require(mail.header("Date"))
        let rfc5322 = #"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$"#
        #expect(date.range(of: rfc5322, options: .regularExpression) != nil, "\(date)")
        #expect(mail.header("List-Unsubscribe") == "<\(Self.unsubscribe)>")
        #expect(mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")

        #expect(mail.contentType == "multipart/alternative")
        #expect(mail.parts.map(\.contentType) == ["text/plain", "text/html"])
        #expect(mail.parts.allSatisfy { $0.charset == "utf-8" && $0.transferEncoding == "quoted-printable" })
        let text = try #require(mail.parts.first).text.replacingOccurrences(of: "\r\n", with: "\n")
        #expect(text == Self.body, "the text part comes back exactly, dots, trailing space and all")
        let html = try #require(mail.parts.last).text.replacingOccurrences(of: "\r\n", with: "\n")
        #expect(html.contains("<title>\(subject)</title>"))
        #expect(html.contains("<p>Ada invites you to join Board as member.<br>\nInvitation token: 01J9Z.abc-DEF_123</p>"))
        #expect(html.contains("&lt;b&gt;bold?&lt;/b&gt; &amp; &quot;quoted&quot; &#39;single&#39; café =3D not an escape"))
        #expect(!html.contains("<b>"))

        // What went over the wire: CRLF only, every line within 998 characters (76 in the bodies), 7-bit.
        let raw = mail.rawText
        #expect(!raw.replacingOccurrences(of: "\r\n", with: "").contains("\n") && !raw.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        #expect(raw.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
        #expect(raw.utf8.allSatisfy { $0 < 0x80 })
    }

    @Test("AUTH LOGIN when the server does not offer PLAIN")
    func authLogin() async throws {
        var options = Self.credentials
        options.excludedMechanisms = ["PLAIN"]
        let server = try LocalSMTPServer(options)
        let mailer = try SMTPMailer(configuration: Self.configuration(server))
        try await mailer.send(Mail(kind: .passwordReset, to: "ann@chamber.test", subject: "Reset your password", body: "Reset token: x"))
        let mail = try #require(try server.received().first)
        #expect(mail.mechanism == "LOGIN" && mail.login == "mailer")
        #expect(mail.header("List-Unsubscribe") == nil, "a password reset is no list to leave")
    }

    @Test("STARTTLS: the mail goes over TLS to a certificate of a trusted authority, by address or by name", arguments: ["127.0.0.1", "localhost"])
    func startTLS(host: String) async throws {
        var options = Self.credentials
        options.startTLS = true
        let server = try LocalSMTPServer(options)
        let configuration = try Self.configuration(server, host: host, security: .startTLS, trustRootsFile: server.caFile)
        try await SMTPMailer(configuration: configuration).send(Mail(kind: .invitation, to: "ben@chamber.test", subject: "Hi", body: "Over TLS"))
        let mail = try #require(try server.received().first)
        #expect(mail.tls, "the message came over TLS")
        #expect(mail.mechanism == "PLAIN", "AUTH came after STARTTLS (the server refuses it before)")
    }

    @Test("STARTTLS configured, the server does not offer it: nothing is sent in plaintext")
    func startTLSNotOffered() async throws {
        let server = try LocalSMTPServer(Self.credentials)
        let mailer = try SMTPMailer(configuration: Self.configuration(server, security: .startTLS))
        await #expect(throws: SMTPError.tlsUnavailable) {
            try await mailer.send(Mail(kind: .invitation, to: "ben@chamber.test", subject: "Hi", body: "secret"))
        }
        #expect(try server.received().isEmpty)
    }

    @Test("a certificate no trusted authority signed: tls_failed, nothing sent")
    func untrustedCertificate() async throws {
        var options = Self.credentials
        options.startTLS = true
        let server = try LocalSMTPServer(options)
        let mailer = try SMTPMailer(configuration: Self.configuration(server, security: .startTLS))
        let error = await #expect(throws: SMTPError.self) {
            try await mailer.send(Mail(kind: .invitation, to: "ben@chamber.test", subject: "Hi", body: "secret"))
        }
        #expect(error?.code == "tls_failed", "\(String(describing: error))")
        #expect(try server.received().isEmpty)
    }

    @Test("a wrong password: auth_failed (535), permanent")
    func wrongPassword() async throws {
        let server = try LocalSMTPServer(Self.credentials)
        let mailer = try SMTPMailer(configuration: Self.configuration(server, password: "wrong"))
        let error = await #expect(throws: SMTPError.self) {
            try await mailer.send(Mail(kind: .invitation, to: "ben@chamber.test", subject: "Hi", body: "x"))
        }
        guard case .authFailed(let code, _)? = error else { Issue.record("not auth_failed: \(String(describing: error))"); return }
        #expect(code == 535)
        #expect(error?.code == "auth_failed" && error?.isPermanent == true)
        #expect(try server.received().isEmpty)
    }

    @Test("no credentials where the server requires AUTH: MAIL is refused with 530, permanent")
    func authRequired() async throws {
        let server = try LocalSMTPServer(Self.credentials)
        let mailer = try SMTPMailer(configuration: Self.configuration(server, username: nil, password: nil))
        let error = await #expect(throws: SMTPError.self) {
            try await mailer.send(Mail(kind: .invitation, to: "ben@chamber.test", subject: "Hi", body: "x"))
        }
        guard case .rejected(let code, _)? = error else { Issue.record("not rejected: \(String(describing: error))"); return }
        #expect(code == 530 && error?.isPermanent == true)
    }

    @Test("a recipient refused with 5xx is a permanent rejection, with 4xx a transient one; nothing is delivered")
    func rejections() async throws {
        var options = Self.credentials
        options.refusals = ["nobody@chamber.test": "550 5.1.1 <nobody@chamber.test>: no such user", "busy@chamber.test": "451 4.3.0 Try again later"]
        let server = try LocalSMTPServer(options)
        let mailer = try SMTPMailer(configuration: Self.configuration(server))

        let permanent = await #expect(throws: SMTPError.self) {
            try await mailer.send(Mail(kind: .invitation, to: "nobody@chamber.test", subject: "Hi", body: "x"))
        }
        #expect(permanent == .rejected(code: 550, text: "5.1.1 <nobody@chamber.test>: no such user"))
        #expect(permanent?.code == "rejected_permanent" && permanent?.isPermanent == true)

        let transient = await #expect(throws: SMTPError.self) {
            try await mailer.send(Mail(kind: .invitation, to: "busy@chamber.test", subject: "Hi", body: "x"))
        }
        #expect(transient == .rejected(code: 451, text: "4.3.0 Try again later"))
        #expect(transient?.code == "rejected_transient" && transient?.isTransient == true)

        #expect(try server.received().isEmpty)
        // The server is still fine for the next mail: each failure ended its own conversation.
        try await mailer.send(Mail(kind: .invitation, to: "ben@chamber.test", subject: "Hi", body: "x"))
        #expect(try server.received().map(\.rcptTos) == [["ben@chamber.test"]])
    }

    @Test("a server that accepts the connection and never greets: timeout, within the command timeout")
    func greetingTimeout() async throws {
        let listener = try SilentListener()
        let configuration = try SMTPConfiguration(
            host: "127.0.0.1", port: listener.port, security: .none, fromAddress: Self.from, commandTimeout: .milliseconds(300))
        let started = ContinuousClock.now
        await #expect(throws: SMTPError.timeout(step: "greeting")) {
            try await SMTPMailer(configuration: configuration).send(Mail(kind: .invitation, to: "ben@chamber.test", subject: "Hi", body: "x"))
        }
        // Far above the 300 ms asked for (the whole suite shares two cores), far below the 60 s default it would
        // otherwise wait: the configured timeout is the one that fired.
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("nothing listening: connect_failed, transient")
    func connectRefused() async throws {
        let configuration = try SMTPConfiguration(host: "127.0.0.1", port: try freeLoopbackPort(), security: .none, fromAddress: Self.from)
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPMailer(configuration: configuration).send(Mail(kind: .invitation, to: "ben@chamber.test", subject: "Hi", body: "x"))
        }
        #expect(error?.code == "connect_failed" && error?.isTransient == true, "\(String(describing: error))")
    }

    @Test("the configuration refuses plaintext off this machine, half credentials, a bad sender")
    func configurationChecks() throws {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"] {
            #expect((try? SMTPConfiguration(host: host, security: .none, fromAddress: Self.from)) != nil, "\(host) is loopback")
        }
        for host in ["smtp.example.com", "10.0.0.1", "128.0.0.1", "localhost.example.com"] {
            #expect(throws: SMTPConfiguration.Invalid.self) { try SMTPConfiguration(host: host, security: .none, fromAddress: Self.from) }
        }
        #expect(try SMTPConfiguration(host: "smtp.example.com", fromAddress: Self.from).port == 587)
        #expect(try SMTPConfiguration(host: "smtp.example.com", security: .tls, fromAddress: Self.from).port == 465)
        #expect(try SMTPConfiguration(host: "smtp.example.com", fromAddress: Self.from).heloName == "chamber.test")
        #expect(throws: SMTPConfiguration.Invalid.self) { try SMTPConfiguration(host: "smtp.example.com", username: "u", fromAddress: Self.from) }
        #expect(throws: SMTPConfiguration.Invalid.self) { try SMTPConfiguration(host: "smtp.example.com", fromAddress: "no-at-sign") }
        #expect(throws: SMTPConfiguration.Invalid.self) { try SMTPConfiguration(host: "smtp.example.com", fromAddress: "a@b.test\r\nRCPT TO:<x@y>") }
        let secret = try SMTPConfiguration(host: "smtp.example.com", username: "u", password: "hunter2", fromAddress: Self.from)
        #expect(!"\(secret)".contains("hunter2"), "the password never shows in logs")
    }

    @Test("a recipient that could inject a command is refused before any connection")
    func injectedRecipient() async throws {
        let configuration = try SMTPConfiguration(host: "127.0.0.1", port: try freeLoopbackPort(), security: .none, fromAddress: Self.from)
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPMailer(configuration: configuration).send(
                Mail(kind: .invitation, to: "ben@chamber.test>\r\nRCPT TO:<eve@evil.test", subject: "Hi", body: "x"))
        }
        #expect(error?.code == "invalid_address", "\(String(describing: error))")
    }
}

/// A socket that listens and never speaks: the kernel completes TCP handshakes into its backlog, and no greeting
/// ever comes.
final class SilentListener: @unchecked Sendable {
    // @unchecked: the descriptor is only closed, once, by deinit.
    let port: Int
    private let descriptor: Int32

    init() throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let descriptor = self.descriptor
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 16) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard listening else {
            close(descriptor)
            throw TestBackendError("cannot listen on 127.0.0.1")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
