import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

/// An authenticator app, as a test plays it: codes of increasing steps within the server's window of ±1 step.
final class TestAuthenticator: @unchecked Sendable {
    let totp: TimeBasedOneTimePassword
    private var lastStep: Int64 = 0

    init(secret: String) throws {
        totp = TimeBasedOneTimePassword(secret: try #require(Base32.decode(secret)))
    }

    /// A code the server has not seen: of the earliest step after the last one used that it still accepts. Close to
    /// the end of a step it first waits for the next, so that the server reads the code in the step it was made for.
    func nextCode() async throws -> String {
        let period = Double(totp.period)
        let remaining = period - Date().timeIntervalSince1970.truncatingRemainder(dividingBy: period)
        if remaining < 3 { try await Task.sleep(for: .seconds(remaining + 0.1)) }
        let now = totp.step(at: Date())
        let step = max(lastStep + 1, now - 1)
        precondition(step <= now + 1, "more codes than a window holds")
        lastStep = step
        return code(step: step)
    }

    /// The code of the last step used again (a replay).
    func lastCode() -> String { code(step: lastStep) }

    func code(step: Int64) -> String { totp.code(step: step, using: CryptoMessageAuthenticator()) }
    func currentStep() -> Int64 { totp.step(at: Date()) }
}

@Suite("REST: two-factor sign-in (TOTP and recovery codes)")
struct TwoFactorAPITests {
    /// Enrols `account` and answers its authenticator and recovery codes.
    static func enrol(_ account: Account, in api: TestAPI) async throws -> (TestAuthenticator, [String]) {
        let started = try await api.call(.post, "/v1/auth/two-factor/totp", token: account.accessToken, json: ["password": account.password])
        #expect(started.status == .created, "\(started.json)")
        let app = try TestAuthenticator(secret: try #require(started.json["secret"].string))
        let confirmed = try await api.call(
            .post, "/v1/auth/two-factor/totp/confirm", token: account.accessToken, json: ["code": try await app.nextCode()])
        #expect(confirmed.status == .ok, "\(confirmed.json)")
        return (app, confirmed.json["recovery_codes"].array.compactMap(\.string))
    }

    static func challenge(_ account: Account, in api: TestAPI) async throws -> String {
        let login = try await api.call(.post, "/v1/auth/login", json: ["email": account.email, "password": account.password])
        #expect(login.status == .ok && login.json["two_factor_required"].bool == true, "\(login.json)")
        #expect(login.json["access_token"].string == nil, "no session before the second factor")
        #expect(login.json["methods"].array.compactMap(\.string) == ["totp", "recovery_code"])
        return login.json["challenge_token"].string ?? ""
    }

    @Test(
        "enrol, confirm, sign in with a code; a used code, a finished challenge and a spent recovery code are refused", arguments: TestBackend.enabled
    )
    func lifecycle(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let ada = try await api.signUp("ada")
            let before = try await api.call(.get, "/v1/auth/two-factor", token: ada.accessToken)
            #expect(before.json["enabled"].bool == false && before.json["pending"].bool == false && before.json["session_verified"].bool == false)

            let wrongPassword = try await api.call(.post, "/v1/auth/two-factor/totp", token: ada.accessToken, json: ["password": "not it at all"])
            #expect(
                wrongPassword.status == .unauthorized && wrongPassword.errorCode == "invalid_credentials" && wrongPassword.errorField == "password")
            let notStarted = try await api.call(.post, "/v1/auth/two-factor/totp/confirm", token: ada.accessToken, json: ["code": "123456"])
            #expect(notStarted.status == .conflict && notStarted.errorCode == "two_factor_not_enrolled")

            let started = try await api.call(.post, "/v1/auth/two-factor/totp", token: ada.accessToken, json: ["password": ada.password])
            #expect(started.status == .created)
            let secret = try #require(started.json["secret"].string)
            #expect(secret.count == 32, "160 bits in base32")
            let uri = try #require(started.json["provisioning_uri"].string)
            #expect(uri.hasPrefix("otpauth://totp/ChamberConnect:") && uri.contains("secret=\(secret)") && uri.contains("issuer=ChamberConnect"))
            #expect(started.json["digits"].int == 6 && started.json["period"].int == 30 && started.json["algorithm"].string == "SHA1")
            #expect(try await api.call(.get, "/v1/auth/two-factor", token: ada.accessToken).json["pending"].bool == true)
            // Still a one-step login until confirmed.
            #expect(try await api.logIn(email: ada.email, password: ada.password).accessToken.isEmpty == false)

            let app = try TestAuthenticator(secret: secret)
            let stale = try await api.call(
                .post, "/v1/auth/two-factor/totp/confirm", token: ada.accessToken, json: ["code": app.code(step: app.currentStep() - 5)])
            #expect(stale.status == .unauthorized && stale.errorCode == "two_factor_code_invalid")
            let confirmed = try await api.call(
                .post, "/v1/auth/two-factor/totp/confirm", token: ada.accessToken, json: ["code": try await app.nextCode()])
            #expect(confirmed.status == .ok)
            let recovery = confirmed.json["recovery_codes"].array.compactMap(\.string)
            #expect(recovery.count == 10 && Set(recovery).count == 10)
            #expect(recovery.allSatisfy { $0.count == 19 && $0.split(separator: "-").count == 4 })

            let status = try await api.call(.get, "/v1/auth/two-factor", token: ada.accessToken)
            #expect(status.json["enabled"].bool == true && status.json["recovery_codes_left"].int == 10)
            #expect(status.json["session_verified"].bool == true, "confirming proves the factor in this session")
            let again = try await api.call(.post, "/v1/auth/two-factor/totp", token: ada.accessToken, json: ["password": ada.password])
            #expect(again.status == .conflict && again.errorCode == "two_factor_already_enabled")

            // The code that confirmed cannot sign in; the next one can, once.
            var token = try await Self.challenge(ada, in: api)
            let replayed = try await api.call(.post, "/v1/auth/login/two-factor", json: ["challenge_token": token, "code": app.lastCode()])
            #expect(replayed.status == .unauthorized && replayed.errorCode == "two_factor_code_invalid")
            let signedIn = try await api.call(.post, "/v1/auth/login/two-factor", json: ["challenge_token": token, "code": try await app.nextCode()])
            #expect(signedIn.status == .ok && signedIn.json["access_token"].string != nil, "\(signedIn.json)")
            let verified = try await api.call(.get, "/v1/auth/two-factor", token: signedIn.json["access_token"].string)
            #expect(verified.json["session_verified"].bool == true)
            let finished = try await api.call(.post, "/v1/auth/login/two-factor", json: ["challenge_token": token, "code": app.lastCode()])
            #expect(finished.status == .unauthorized && finished.errorCode == "two_factor_challenge_invalid")

            token = try await Self.challenge(ada, in: api)
            let reused = try await api.call(.post, "/v1/auth/login/two-factor", json: ["challenge_token": token, "code": app.lastCode()])
            #expect(reused.status == .unauthorized && reused.errorCode == "two_factor_code_invalid", "a code signs in once")
            let both = try await api.call(
                .post, "/v1/auth/login/two-factor", json: ["challenge_token": token, "code": "123456", "recovery_code": recovery[0]])
            #expect(both.status == .badRequest && both.errorCode == "validation_failed")
            let typed = recovery[0].uppercased().replacingOccurrences(of: "-", with: " ")
            let byRecovery = try await api.call(.post, "/v1/auth/login/two-factor", json: ["challenge_token": token, "recovery_code": typed])
            #expect(byRecovery.status == .ok, "a recovery code in any case, with spaces: \(byRecovery.json)")
            token = try await Self.challenge(ada, in: api)
            let spent = try await api.call(.post, "/v1/auth/login/two-factor", json: ["challenge_token": token, "recovery_code": recovery[0]])
            #expect(spent.status == .unauthorized && spent.errorCode == "two_factor_code_invalid")
            #expect(try await api.call(.get, "/v1/auth/two-factor", token: ada.accessToken).json["recovery_codes_left"].int == 9)

            // New recovery codes replace the old; turning it off needs the password and a factor.
            let renewed = try await api.call(
                .post, "/v1/auth/two-factor/recovery-codes", token: ada.accessToken, json: ["code": try await app.nextCode()])
            #expect(renewed.status == .ok && renewed.json["recovery_codes"].array.count == 10)
            let old = try await api.call(
                .delete, "/v1/auth/two-factor", token: ada.accessToken, json: ["password": ada.password, "recovery_code": recovery[1]])
            #expect(old.status == .unauthorized && old.errorCode == "two_factor_code_invalid", "the old codes stopped working")
            let newCode = try #require(renewed.json["recovery_codes"].array.first?.string)
            let badPassword = try await api.call(
                .delete, "/v1/auth/two-factor", token: ada.accessToken, json: ["password": "not it at all", "recovery_code": newCode])
            #expect(badPassword.status == .unauthorized && badPassword.errorCode == "invalid_credentials")
            let off = try await api.call(
                .delete, "/v1/auth/two-factor", token: ada.accessToken, json: ["password": ada.password, "recovery_code": newCode])
            #expect(off.status == .noContent)
            #expect(try await api.logIn(email: ada.email, password: ada.password).accessToken.isEmpty == false, "one step again")
            let offAgain = try await api.call(
                .delete, "/v1/auth/two-factor", token: ada.accessToken, json: ["password": ada.password, "code": "123456"])
            #expect(offAgain.status == .conflict && offAgain.errorCode == "two_factor_not_enabled")
        }
    }

    @Test("wrong codes are limited like passwords, and a challenge ends after five", arguments: TestBackend.enabled)
    func throttled(_ backend: TestBackend) async throws {
        try await withServer(backend, configure: { $0.loginMaxFailuresPerAccount = 8 }) { api in
            let ada = try await api.signUp("ada")
            let (app, _) = try await Self.enrol(ada, in: api)
            let wrong = app.code(step: app.currentStep() - 10)
            let token = try await Self.challenge(ada, in: api)
            for attempt in 1...5 {
                let answer = try await api.call(.post, "/v1/auth/login/two-factor", json: ["challenge_token": token, "code": wrong])
                #expect(answer.status == .unauthorized && answer.errorCode == "two_factor_code_invalid", "attempt \(attempt)")
            }
            let ended = try await api.call(.post, "/v1/auth/login/two-factor", json: ["challenge_token": token, "code": try await app.nextCode()])
            #expect(ended.status == .unauthorized && ended.errorCode == "two_factor_challenge_invalid", "five wrong answers end it")
            let second = try await Self.challenge(ada, in: api)
            for _ in 1...3 { _ = try await api.call(.post, "/v1/auth/login/two-factor", json: ["challenge_token": second, "code": wrong]) }
            let limited = try await api.call(.post, "/v1/auth/login/two-factor", json: ["challenge_token": second, "code": try await app.nextCode()])
            #expect(limited.status == .tooManyRequests && limited.errorCode == "rate_limited" && limited.headers[.retryAfter] != nil)
        }
    }

    @Test("a chamber requiring two-factor sign-in of staff refuses them until they enrol", arguments: TestBackend.enabled)
    func chamberPolicy(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let ada = try await api.signUp("ada")
            let bob = try await api.signUp("bob")
            let cyd = try await api.signUp("cyd")
            let chamber = try await api.createChamber(ada)
            try await api.addMember(bob, to: chamber, role: "staff", by: ada)
            try await api.addMember(cyd, to: chamber, role: "member", by: ada)
            let policy: [String: Any] = ["settings": ["security": ["two_factor_required_for": "staff"]]]

            let unproved = try await api.call(.patch, "/v1/chambers/\(chamber)", token: ada.accessToken, json: policy)
            #expect(unproved.status == .forbidden && unproved.errorCode == "two_factor_enrolment_required", "an admin without it cannot require it")
            let unknown = try await api.call(
                .patch, "/v1/chambers/\(chamber)", token: ada.accessToken, json: ["settings": ["security": ["two_factor_required_for": "bosses"]]])
            #expect(unknown.status == .badRequest && unknown.errorField == "settings.security.two_factor_required_for")

            _ = try await Self.enrol(ada, in: api)
            let set = try await api.call(.patch, "/v1/chambers/\(chamber)", token: ada.accessToken, json: policy)
            #expect(set.status == .ok && set.json["settings"]["security"]["two_factor_required_for"].string == "staff", "\(set.json)")

            let refused = try await api.call(.get, "/v1/chambers/\(chamber)/members", token: bob.accessToken)
            #expect(refused.status == .forbidden && refused.errorCode == "two_factor_enrolment_required")
            #expect(try await api.call(.get, "/v1/chambers/\(chamber)", token: cyd.accessToken).status == .ok, "members are not covered")
            #expect(try await api.call(.get, "/v1/chambers/\(chamber)", token: ada.accessToken).status == .ok, "the admin's session proved it")

            let (bobsApp, bobsCodes) = try await Self.enrol(bob, in: api)
            #expect(try await api.call(.get, "/v1/chambers/\(chamber)/members", token: bob.accessToken).status == .ok, "enrolled in this session")
            // A session that signed in with the password only is not proved: a password-only session cannot exist
            // for bob now, so his next one comes through the second step and is proved too.
            let token = try await Self.challenge(bob, in: api)
            let next = try await api.call(.post, "/v1/auth/login/two-factor", json: ["challenge_token": token, "code": try await bobsApp.nextCode()])
            #expect(try await api.call(.get, "/v1/chambers/\(chamber)/members", token: next.json["access_token"].string).status == .ok)
            // Turning it off takes the proof back from every session of his.
            let off = try await api.call(
                .delete, "/v1/auth/two-factor", token: bob.accessToken, json: ["password": bob.password, "recovery_code": bobsCodes[0]])
            #expect(off.status == .noContent)
            for token in [bob.accessToken, next.json["access_token"].string ?? ""] {
                let after = try await api.call(.get, "/v1/chambers/\(chamber)/members", token: token)
                #expect(after.status == .forbidden && after.errorCode == "two_factor_enrolment_required")
            }

            // Sessions opened before he enrolled stay unproved.
            let ann = try await api.signUp("ann")
            let annElsewhere = try await api.logIn(email: ann.email, password: ann.password)
            try await api.addMember(ann, to: chamber, role: "staff", by: ada)
            _ = try await Self.enrol(ann, in: api)
            let older = try await api.call(.get, "/v1/chambers/\(chamber)/members", token: annElsewhere.accessToken)
            #expect(older.status == .forbidden && older.errorCode == "two_factor_enrolment_required")
        }
    }
}
