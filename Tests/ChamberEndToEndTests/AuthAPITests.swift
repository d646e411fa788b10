import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("REST: accounts and authentication")
struct AuthAPITests {
    @Test("register, log in, read me, refresh with rotation, log out", arguments: TestBackend.enabled)
    func lifecycle(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let ada = try await api.signUp("ada")
            let me = try await api.call(.get, "/v1/me", token: ada.accessToken)
            #expect(me.status == .ok)
            #expect(me.json["user"]["email"].string == ada.email)
            #expect(me.json["memberships"].array.isEmpty)
            #expect(me.headers[RequestIDHeader.name] != nil, "every response names its request id")

            let refreshed = try await api.call(.post, "/v1/auth/refresh", json: ["refresh_token": ada.refreshToken])
            #expect(refreshed.status == .ok)
            let newRefresh = refreshed.json["refresh_token"].string ?? ""
            #expect(newRefresh != ada.refreshToken)
            #expect(refreshed.json["session_id"].string == ada.sessionID)

            let newAccess = refreshed.json["access_token"].string ?? ""
            #expect(try await api.call(.get, "/v1/me", token: newAccess).status == .ok)

            #expect(try await api.call(.post, "/v1/auth/logout", token: newAccess).status == .noContent)
            let after = try await api.call(.get, "/v1/me", token: newAccess)
            #expect(after.status == .unauthorized && after.errorCode == "token_revoked")
            let refreshAfter = try await api.call(.post, "/v1/auth/refresh", json: ["refresh_token": newRefresh])
            #expect(refreshAfter.status == .unauthorized && refreshAfter.errorCode == "refresh_token_invalid")
        }
    }

    @Test("a replayed refresh token revokes the whole session", arguments: TestBackend.enabled)
    func refreshReuse(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let ada = try await api.signUp("ada")
            let first = try await api.call(.post, "/v1/auth/refresh", json: ["refresh_token": ada.refreshToken])
            #expect(first.status == .ok)
            let replay = try await api.call(.post, "/v1/auth/refresh", json: ["refresh_token": ada.refreshToken])
            #expect(replay.status == .unauthorized && replay.errorCode == "refresh_token_reused")
            // The thief's replay also ends the legitimate holder's newer tokens.
            let legit = try await api.call(.post, "/v1/auth/refresh", json: ["refresh_token": first.json["refresh_token"].string ?? ""])
            #expect(legit.status == .unauthorized)
            #expect(try await api.call(.get, "/v1/me", token: first.json["access_token"].string).status == .unauthorized)
        }
    }

    @Test("sessions are listed and one can be revoked from another device", arguments: TestBackend.enabled)
    func sessions(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let phone = try await api.signUp("ada")
            let laptop = try await api.logIn(email: phone.email, password: phone.password)
            let list = try await api.call(.get, "/v1/auth/sessions", token: laptop.accessToken)
            #expect(list.status == .ok)
            #expect(Set(list.json["items"].array.compactMap { $0["id"].string }) == [phone.sessionID, laptop.sessionID])
            #expect(list.json["items"].array.first { $0["current"].bool == true }?["id"].string == laptop.sessionID)

            #expect(try await api.call(.delete, "/v1/auth/sessions/\(phone.sessionID)", token: laptop.accessToken).status == .noContent)
            #expect(try await api.call(.get, "/v1/me", token: phone.accessToken).status == .unauthorized)
            #expect(try await api.call(.get, "/v1/me", token: laptop.accessToken).status == .ok)
            let again = try await api.call(.delete, "/v1/auth/sessions/\(phone.sessionID)", token: laptop.accessToken)
            #expect(again.status == .notFound && again.errorCode == "session_not_found")

            // Someone else's session cannot be revoked.
            let bob = try await api.signUp("bob")
            let foreign = try await api.call(.delete, "/v1/auth/sessions/\(bob.sessionID)", token: laptop.accessToken)
            #expect(foreign.status == .notFound)
            #expect(try await api.call(.get, "/v1/me", token: bob.accessToken).status == .ok)
        }
    }

    @Test("password change checks the current password and signs out other sessions", arguments: TestBackend.enabled)
    func passwordChange(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let ada = try await api.signUp("ada")
            let other = try await api.logIn(email: ada.email, password: ada.password)
            let wrong = try await api.call(
                .post, "/v1/auth/password", token: ada.accessToken,
                json: ["current_password": "not it at all", "new_password": "a new long passphrase"])
            #expect(wrong.status == .unauthorized && wrong.errorCode == "invalid_credentials")
            let weak = try await api.call(
                .post, "/v1/auth/password", token: ada.accessToken, json: ["current_password": ada.password, "new_password": "short"])
            #expect(weak.status == .badRequest && weak.errorCode == "weak_password")
            let ok = try await api.call(
                .post, "/v1/auth/password", token: ada.accessToken, json: ["current_password": ada.password, "new_password": "a new long passphrase"])
            #expect(ok.status == .noContent)
            #expect(try await api.call(.get, "/v1/me", token: ada.accessToken).status == .ok, "the session that changed it stays")
            #expect(try await api.call(.get, "/v1/me", token: other.accessToken).status == .unauthorized)
            let oldLogin = try await api.call(.post, "/v1/auth/login", json: ["email": ada.email, "password": ada.password])
            #expect(oldLogin.status == .unauthorized)
            _ = try await api.logIn(email: ada.email, password: "a new long passphrase")
        }
    }

    @Test("password reset by a one-time mailed token", arguments: TestBackend.enabled)
    func passwordReset(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let ada = try await api.signUp("ada")
            #expect(try await api.call(.post, "/v1/auth/password-reset", json: ["email": ada.email]).status == .accepted)
            let unknown = try await api.call(.post, "/v1/auth/password-reset", json: ["email": "nobody-\(UUID())@example.com"])
            #expect(unknown.status == .accepted, "unknown accounts get the same answer")

            let mail = try await api.store.mailOutbox.deliveries(to: ada.email, limit: 1).first?.mail
            #expect(mail?.kind == .passwordReset)
            let token =
                mail?.body.split(separator: "\n").first { $0.hasPrefix("Reset token: ") }.map { String($0.dropFirst("Reset token: ".count)) } ?? ""
            #expect(!token.isEmpty)

            let bad = try await api.call(.post, "/v1/auth/password-reset/confirm", json: ["token": "forged", "new_password": "brand new passphrase"])
            #expect(bad.status == .badRequest && bad.errorCode == "reset_token_invalid")
            let ok = try await api.call(.post, "/v1/auth/password-reset/confirm", json: ["token": token, "new_password": "brand new passphrase"])
            #expect(ok.status == .noContent)
            #expect(try await api.call(.get, "/v1/me", token: ada.accessToken).status == .unauthorized, "a reset signs out every session")
            let reuse = try await api.call(
                .post, "/v1/auth/password-reset/confirm", json: ["token": token, "new_password": "another new passphrase"])
            #expect(reuse.errorCode == "reset_token_invalid", "the token works once")
            _ = try await api.logIn(email: ada.email, password: "brand new passphrase")
        }
    }

    @Test("failed logins are limited per account, and per address", arguments: TestBackend.enabled)
    func loginRateLimit(_ backend: TestBackend) async throws {
        try await withServer(
            backend,
            configure: {
                $0.loginMaxFailuresPerAccount = 3; $0.loginMaxFailuresPerAddress = 6
            }
        ) { api in
            let ada = try await api.signUp("ada")
            for _ in 0..<3 {
                let wrong = try await api.call(.post, "/v1/auth/login", json: ["email": ada.email, "password": "wrong password!"])
                #expect(wrong.status == .unauthorized && wrong.errorCode == "invalid_credentials")
            }
            let limited = try await api.call(.post, "/v1/auth/login", json: ["email": ada.email, "password": ada.password])
            #expect(limited.status == .tooManyRequests && limited.errorCode == "rate_limited")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 > 0)

            // Guessing across many accounts from one address trips the address limit.
            for index in 0..<3 {
                _ = try await api.call(.post, "/v1/auth/login", json: ["email": "guess\(index)@example.com", "password": "wrong password!"])
            }
            let bob = try await api.call(.post, "/v1/auth/login", json: ["email": "guess9@example.com", "password": "wrong password!"])
            #expect(bob.status == .tooManyRequests)
        }
    }

    @Test("parallel wrong guesses cannot slip past the account limit", arguments: TestBackend.enabled)
    func parallelGuesses(_ backend: TestBackend) async throws {
        try await withServer(
            backend,
            configure: {
                $0.loginMaxFailuresPerAccount = 3; $0.loginMaxFailuresPerAddress = 1000
            }
        ) { api in
            let ada = try await api.signUp("ada")
            let accounts = api.node.services.accounts
            let outcomes = await withTaskGroup(of: String.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        do {
                            _ = try await accounts.login(
                                email: ada.email, password: "wrong password!", client: ClientInfo(address: "198.51.100.7", userAgent: nil))
                            return "ok"
                        } catch let error as ChamberError {
                            return error.code.rawValue
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == "invalid_credentials" }.count == 3, "\(outcomes)")
            #expect(outcomes.filter { $0 == "rate_limited" }.count == 9)
        }
    }

    @Test("tokens that are expired, forged, malformed or revoked are refused", arguments: TestBackend.enabled)
    func badTokens(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let ada = try await api.signUp("ada")
            let expired = try await JWTAccessTokenIssuer(secret: testJWTSecret).issue(
                AccessClaims(userID: UserID(ada.userID), sessionID: SessionID(ada.sessionID), expiresAt: Date().addingTimeInterval(-60)))
            let forged = try await JWTAccessTokenIssuer(secret: "an-attacker-secret-that-is-long-enough-123").issue(
                AccessClaims(userID: UserID(ada.userID), sessionID: SessionID(ada.sessionID), expiresAt: Date().addingTimeInterval(600)))
            let cases: [(String, String)] = [
                (expired, "token_expired"), (forged, "token_invalid"), ("garbage", "token_invalid"),
                (ada.accessToken + "x", "token_invalid"),
            ]
            for (token, code) in cases {
                let response = try await api.call(.get, "/v1/me", token: token)
                #expect(response.status == .unauthorized && response.errorCode == code, "\(code)")
            }
            let basic = try await api.call(.get, "/v1/me", headers: [.authorization: "Basic YWRhOnB3"])
            #expect(basic.status == .unauthorized && basic.errorCode == "token_invalid")
            let none = try await api.call(.get, "/v1/me")
            #expect(none.status == .unauthorized && none.errorCode == "unauthenticated")
        }
    }
}

enum RequestIDHeader {
    static let name = HTTPField.Name("X-Request-Id")!
}

/// The limits that keep accounts from being locked, mailed or mass-made by strangers (openapi.yaml "Authentication").
@Suite("REST: limits on strangers: lockouts, reset mails, registrations")
struct AuthAbuseTests {
    @Test("a stranger's wrong guesses lock only their own address out; from everywhere, only the owner's known addresses go on")
    func noLockout() async throws {
        try await withServer(
            .sqlite,
            configure: {
                $0.loginMaxFailuresPerAccount = 2; $0.loginMaxFailuresPerAddress = 1000
            }
        ) { api in
            let ada = try await api.signUp("ada")
            let accounts = api.node.services.accounts
            func attempt(_ password: String, from address: String) async -> String {
                do {
                    _ = try await accounts.login(email: ada.email, password: password, client: ClientInfo(address: address, userAgent: nil))
                    return "ok"
                } catch let error as ChamberError {
                    return error.code.rawValue
                } catch {
                    return "\(error)"
                }
            }
            #expect(await attempt("wrong password!", from: "203.0.113.1") == "invalid_credentials")
            #expect(await attempt("wrong password!", from: "203.0.113.1") == "invalid_credentials")
            #expect(await attempt(ada.password, from: "203.0.113.1") == "rate_limited", "that address is held back")
            #expect(await attempt(ada.password, from: "198.51.100.7") == "ok", "another address is not")
            // Ten times the limit from everywhere (20 here), one guess per address.
            var outcomes: [String] = []
            for n in 10..<30 { outcomes.append(await attempt("wrong password!", from: "203.0.113.\(n)")) }
            #expect(outcomes.filter { $0 == "invalid_credentials" }.count == 18, "\(outcomes)")
            #expect(await attempt(ada.password, from: "192.0.2.50") == "rate_limited", "an unknown address waits")
            let owner = try await api.call(.post, "/v1/auth/login", json: ["email": ada.email, "password": ada.password])
            #expect(owner.status == .ok, "the owner's own address (it has a session) goes on: \(owner.json)")
        }
    }

    @Test("reset mails are limited per e-mail (known or not) and per address; a reset spends the older tokens; registrations per address")
    func resetAndRegistrationLimits() async throws {
        try await withServer(
            .sqlite,
            configure: {
                $0.passwordResetMaxPerAccount = 2; $0.registerMaxPerAddress = 3
            }
        ) { api in
            let ada = try await api.signUp("ada")
            let reset = "/v1/auth/password-reset"
            #expect(try await api.call(.post, reset, json: ["email": ada.email]).status == .accepted)
            #expect(try await api.call(.post, reset, json: ["email": ada.email]).status == .accepted)
            let third = try await api.call(.post, reset, json: ["email": ada.email])
            #expect(third.status == .tooManyRequests && third.errorCode == "rate_limited" && third.headers[.retryAfter] != nil)
            let nobody = "nobody-\(UUID())@example.com"
            for _ in 0..<2 { #expect(try await api.call(.post, reset, json: ["email": nobody]).status == .accepted) }
            #expect(try await api.call(.post, reset, json: ["email": nobody]).status == .tooManyRequests, "an unknown e-mail is answered alike")
            // Four times the per-e-mail limit from one address: 8, of which 4 are spent above.
            for n in 0..<4 { #expect(try await api.call(.post, reset, json: ["email": "other-\(n)-\(UUID())@example.com"]).status == .accepted) }
            #expect(try await api.call(.post, reset, json: ["email": "more-\(UUID())@example.com"]).status == .tooManyRequests, "the address")

            let mails = try await api.store.mailOutbox.deliveries(to: ada.email, limit: 2).map(\.mail)
            let tokens = mails.map {
                $0.body.split(separator: "\n").first { $0.hasPrefix("Reset token: ") }.map { String($0.dropFirst("Reset token: ".count)) } ?? ""
            }
            #expect(tokens.count == 2 && tokens[0] != tokens[1])
            let confirm = "/v1/auth/password-reset/confirm"
            #expect(try await api.call(.post, confirm, json: ["token": tokens[1], "new_password": "brand new passphrase"]).status == .noContent)
            let older = try await api.call(.post, confirm, json: ["token": tokens[0], "new_password": "another new passphrase"])
            #expect(older.errorCode == "reset_token_invalid", "a reset done spends the account's other tokens")

            _ = try await api.signUp("bea")
            _ = try await api.signUp("cyd")
            let fourth = try await api.call(
                .post, "/v1/auth/register", json: ["email": "dee-\(UUID())@example.com", "password": "correct horse battery", "display_name": "Dee"])
            #expect(fourth.status == .tooManyRequests && fourth.errorCode == "rate_limited", "\(fourth.json)")
        }
    }
}
