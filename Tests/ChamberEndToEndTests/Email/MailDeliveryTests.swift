import ChamberDomain
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

/// Mail as users meet it: a running server whose services queue mail in the outbox, and a worker handing it to a
/// real SMTP relay (aiosmtpd, over STARTTLS with AUTH), retrying what the relay defers and giving up on what it
/// refuses.
@Suite("Email: the outbox delivers to an SMTP relay")
struct MailDeliveryTests {
    /// A server on its own database (other tests' workers would take its mail) whose mail goes to `relay`.
    static func withRelay(
        _ backend: TestBackend, refusals: [String: String] = [:], configure: @escaping (inout ServerConfiguration) -> Void = { _ in },
        _ test: @escaping @Sendable (TestAPI, LocalSMTPServer) async throws -> Void
    ) async throws {
        var options = LocalSMTPServer.Options(username: "mailer", password: "s3cret")
        options.startTLS = true
        options.refusals = refusals
        let relay = try LocalSMTPServer(options)
        let passwordFile = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-password-\(UUID().uuidString)").path
        try "s3cret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        try await withServer(
            backend, isolated: true,
            configure: {
                $0.smtpHost = "127.0.0.1"
                $0.smtpPort = relay.port
                $0.smtpSecurity = "starttls"
                $0.smtpUsername = "mailer"
                $0.smtpPasswordFile = passwordFile
                $0.smtpCAFile = relay.caFile
                $0.mailFromAddress = "noreply@chamber.test"
                $0.mailRetryBaseMs = 100
                $0.mailMaxAttempts = 3
                $0.mailSweepMs = 50
                configure(&$0)
            }
        ) { api in try await test(api, relay) }
    }

    @Test("an invitation and a password reset reach the relay over STARTTLS with AUTH, and the outbox says sent", arguments: TestBackend.enabled)
    func delivers(_ backend: TestBackend) async throws {
        try await Self.withRelay(backend) { api, relay in
            let ada = try await api.signUp("ada")
            let chamberID = try await api.createChamber(ada)
            let bob = "bob-\(UUID().uuidString.prefix(8).lowercased())@chamber.test"
            let invite = try await api.call(
                .post, "/v1/chambers/\(chamberID)/invitations", token: ada.accessToken, json: ["email": bob, "role": "member"])
            #expect(invite.status == .created)
            #expect(try await api.call(.post, "/v1/auth/password-reset", json: ["email": ada.email]).status == .accepted)

            try await eventually("both mails reach the relay") { (try? relay.received().count) == 2 }
            let received = try relay.received()
            #expect(received.allSatisfy { $0.tls && $0.mechanism == "PLAIN" && $0.login == "mailer" && $0.mailFrom == "noreply@chamber.test" })
            #expect(received.allSatisfy { $0.defects.isEmpty }, "\(received.map(\.defects))")
            let invitation = try #require(received.first { $0.rcptTos == [bob] })
            let token = invite.json["token"].string ?? "?"
            #expect(invitation.parts.map(\.contentType) == ["text/plain", "text/html"])
            #expect(invitation.parts.first?.text.contains(token) == true, "the invitation carries its token")
            let reset = try #require(received.first { $0.rcptTos == [ada.email] })
            #expect(reset.parts.first?.text.contains("Reset token: ") == true)

            try await eventually("the outbox says sent") {
                let deliveries = (try? await api.store.mailOutbox.deliveries(to: bob, limit: 5)) ?? []
                return deliveries.map(\.status) == [.sent] && deliveries.first?.attempts == 1
            }
        }
    }

    @Test(
        "a relay that defers (4xx) gets the mail again with backoff, then it is given up; a refusal (5xx) is final at once",
        arguments: TestBackend.enabled)
    func retriesThenGivesUp(_ backend: TestBackend) async throws {
        let later = "later-\(UUID().uuidString.prefix(8).lowercased())@chamber.test"
        let nobody = "nobody-\(UUID().uuidString.prefix(8).lowercased())@chamber.test"
        try await Self.withRelay(backend, refusals: [later: "451 4.3.0 Try again later", nobody: "550 5.1.1 No such user"]) { api, relay in
            let ada = try await api.signUp("ada")
            let chamberID = try await api.createChamber(ada)
            for email in [later, nobody] {
                let invite = try await api.call(
                    .post, "/v1/chambers/\(chamberID)/invitations", token: ada.accessToken, json: ["email": email, "role": "member"])
                #expect(invite.status == .created, "the invitation stands, whatever becomes of its mail")
            }
            try await eventually("both given up", timeout: .seconds(30)) {
                let statuses = [
                    try? await api.store.mailOutbox.deliveries(to: later, limit: 1).first?.status,
                    try? await api.store.mailOutbox.deliveries(to: nobody, limit: 1).first?.status,
                ]
                return statuses == [.failed, .failed]
            }
            let deferred = try #require(try await api.store.mailOutbox.deliveries(to: later, limit: 1).first)
            #expect(deferred.attempts == 3 && deferred.lastError?.contains("451") == true, "\(deferred)")
            let refused = try #require(try await api.store.mailOutbox.deliveries(to: nobody, limit: 1).first)
            #expect(refused.attempts == 1 && refused.lastError?.contains("550") == true, "\(refused)")
            #expect(try relay.received().isEmpty)
        }
    }
}
