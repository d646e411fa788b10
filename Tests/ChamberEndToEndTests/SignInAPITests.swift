import ChamberServer
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

@Suite("REST: sign-in with OpenID Connect providers")
struct SignInAPITests {
    static let returnAddress = "https://app.example-chamber.test/sign-in/return"

    /// A node whose one provider is `provider`, named `acme`.
    static func withProvider(
        _ backend: TestBackend, _ test: @escaping @Sendable (TestAPI, FakeOpenIDProvider) async throws -> Void
    ) async throws {
        try await FakeOpenIDProvider.run { provider in
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("providers-\(UUID().uuidString).json")
            let providers: [[String: Any]] = [
                [
                    "id": "acme", "name": "Acme ID", "issuer": provider.issuer, "client_id": provider.clientID,
                    "client_secret": provider.clientSecret,
                    "redirect_uris": [returnAddress],
                ]
            ]
            try JSONSerialization.data(withJSONObject: providers).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            try await withServer(backend, configure: { $0.signInProvidersFile = file.path }) { api in try await test(api, provider) }
        }
    }

    /// Starts, signs `person` in at the provider, and finishes: the server's answer. Linking sends `password`.
    static func signIn(
        _ api: TestAPI, _ provider: FakeOpenIDProvider, as person: FakeOpenIDProvider.Person, path: String = "/v1/auth/providers/acme",
        token: String? = nil, password: String? = nil
    ) async throws -> APIResponse {
        var start: [String: Any] = ["redirect_uri": returnAddress]
        if let password { start["password"] = password }
        let started = try await api.call(.post, "\(path)/start", token: token, json: start)
        #expect(started.status == .ok, "\(started.json)")
        let (code, state) = try await provider.signIn(at: started.json["authorization_url"].string ?? "", as: person)
        #expect(state == started.json["state"].string, "the provider hands the state back")
        return try await api.call(
            .post, "\(path)/finish", token: token, json: ["state": state, "code": code, "binding": started.json["binding"].string ?? ""])
    }

    @Test(
        "a new member signs in; an existing account is joined only by linking; a code from another's start signs nobody in; each bad token is refused",
        arguments: TestBackend.enabled)
    func signIn(_ backend: TestBackend) async throws {
        try await Self.withProvider(backend) { api, provider in
            let listed = try await api.call(.get, "/v1/auth/providers")
            #expect(listed.json["items"].array.map { $0["id"].string } == ["acme"] && listed.json["items"][0]["name"].string == "Acme ID")
            let elsewhere = try await api.call(.post, "/v1/auth/providers/acme/start", json: ["redirect_uri": "https://evil.example/steal"])
            #expect(elsewhere.status == .badRequest && elsewhere.errorField == "redirect_uri", "a code goes to no address we do not own")
            #expect(
                try await api.call(.post, "/v1/auth/providers/nope/start", json: ["redirect_uri": Self.returnAddress]).errorCode
                    == "sign_in_provider_not_found")

            // A new member: the code flow with PKCE, state and nonce; an account without a password is made.
            let email = "\(unique("nia"))@example.com"
            let nia = FakeOpenIDProvider.Person(subject: unique("sub"), email: email, emailVerified: true, name: "Nia Nkemelu")
            let started = try await api.call(.post, "/v1/auth/providers/acme/start", json: ["redirect_uri": Self.returnAddress])
            let (code, state) = try await provider.signIn(at: started.json["authorization_url"].string ?? "", as: nia)
            let asked = try #require(provider.authorizations.last)
            #expect(asked["response_type"] == "code" && asked["code_challenge_method"] == "S256" && asked["client_id"] == provider.clientID)
            #expect((asked["nonce"]?.count ?? 0) >= 32 && (asked["code_challenge"]?.count ?? 0) == 43 && asked["redirect_uri"] == Self.returnAddress)
            let binding = started.json["binding"].string ?? ""
            #expect(!(started.json["authorization_url"].string ?? "").contains(binding), "the binding never goes to the provider")
            let finished = try await api.call(.post, "/v1/auth/providers/acme/finish", json: ["state": state, "code": code, "binding": binding])
            #expect(finished.status == .ok && finished.json["access_token"].string != nil, "\(finished.json)")
            let me = try await api.call(.get, "/v1/me", token: finished.json["access_token"].string)
            #expect(me.json["user"]["email"].string == email && me.json["user"]["display_name"].string == "Nia Nkemelu")
            let again = try await api.call(.post, "/v1/auth/providers/acme/finish", json: ["state": state, "code": code, "binding": binding])
            #expect(again.status == .badRequest && again.errorCode == "sign_in_state_invalid", "a state is taken once")
            let password = try await api.call(.post, "/v1/auth/login", json: ["email": email, "password": "anything at all 1"])
            #expect(password.errorCode == "invalid_credentials", "an account made by a provider has no password")
            let nias = try await api.call(.get, "/v1/me/identities", token: finished.json["access_token"].string).json["items"].array
            #expect(nias.map { $0["provider"].string } == ["acme"])

            // An account with the address is not joined by it (whoever registered it first would get in): its owner links.
            let ann = try await api.signUp("ann")
            let annAtAcme = FakeOpenIDProvider.Person(subject: unique("sub"), email: ann.email.uppercased(), emailVerified: true, name: "A")
            let exists = try await Self.signIn(api, provider, as: annAtAcme)
            #expect(exists.status == .conflict && exists.errorCode == "sign_in_account_exists", "\(exists.json)")
            let noPassword = try await api.call(
                .post, "/v1/me/identities/acme/start", token: ann.accessToken, json: ["redirect_uri": Self.returnAddress])
            #expect(noPassword.status == .unauthorized && noPassword.errorCode == "invalid_credentials", "linking asks for the password")
            let annLinked = try await Self.signIn(
                api, provider, as: annAtAcme, path: "/v1/me/identities/acme", token: ann.accessToken, password: ann.password)
            #expect(annLinked.status == .created, "\(annLinked.json)")
            let annIn = try await Self.signIn(api, provider, as: annAtAcme)
            #expect(try await api.call(.get, "/v1/me", token: annIn.json["access_token"].string).json["user"]["id"].string == ann.userID)

            // Login CSRF: an attacker's own start, signed in as themself, brought to a victim's app with its binding.
            let attackerStart = try await api.call(.post, "/v1/auth/providers/acme/start", json: ["redirect_uri": Self.returnAddress])
            let attacker = FakeOpenIDProvider.Person(
                subject: unique("sub"), email: "\(unique("mallory"))@example.com", emailVerified: true, name: "M")
            let (attackerCode, attackerState) = try await provider.signIn(at: attackerStart.json["authorization_url"].string ?? "", as: attacker)
            let victimStart = try await api.call(.post, "/v1/auth/providers/acme/start", json: ["redirect_uri": Self.returnAddress])
            let injected = try await api.call(
                .post, "/v1/auth/providers/acme/finish",
                json: ["state": attackerState, "code": attackerCode, "binding": victimStart.json["binding"].string ?? ""])
            #expect(injected.status == .badRequest && injected.errorCode == "sign_in_state_invalid", "\(injected.json)")
            // An address the provider does not vouch for finds nothing and makes nothing.
            let unverified = FakeOpenIDProvider.Person(subject: unique("sub"), email: ann.email, emailVerified: false, name: nil)
            let refused = try await Self.signIn(api, provider, as: unverified)
            #expect(refused.status == .forbidden && refused.errorCode == "sign_in_email_unverified")

            // Each bad token: refused with one stable code, the check named.
            for (misbehaviour, words) in [
                (FakeOpenIDProvider.Misbehaviour.badSignature, "signature"), (.wrongAudience, "another client"), (.expired, "expired"),
                (.wrongIssuer, "issued by"), (.nonce(asked["nonce"] ?? ""), "nonce"),
            ] {
                provider.misbehave(misbehaviour)
                let bad = try await Self.signIn(api, provider, as: nia)
                #expect(bad.status == .unauthorized && bad.errorCode == "sign_in_token_invalid", "\(misbehaviour): \(bad.json)")
                #expect(bad.json["error"]["message"].string?.contains(words) == true, "\(misbehaviour): \(bad.json)")
            }
            provider.misbehave(.none)

            // The provider rotates its key: the server fetches the new set once, and sign-in goes on.
            let fetches = provider.jwksFetches
            try await provider.rotate()
            let rotated = try await Self.signIn(api, provider, as: nia)
            #expect(rotated.status == .ok, "\(rotated.json)")
            #expect(provider.jwksFetches == fetches + 1, "the keys fetched again for the new kid, once")
            #expect(try await Self.signIn(api, provider, as: nia).status == .ok)
            #expect(provider.jwksFetches == fetches + 1, "and cached")
        }
    }

    @Test(
        "a member links and unlinks a provider; another account's identity and an account's last way in are refused", arguments: TestBackend.enabled)
    func linking(_ backend: TestBackend) async throws {
        try await Self.withProvider(backend) { api, provider in
            let bob = try await api.signUp("bob")
            let bobAtAcme = FakeOpenIDProvider.Person(subject: unique("sub"), email: "bob.elsewhere@example.com", emailVerified: true, name: "Bob")
            let linked = try await Self.signIn(
                api, provider, as: bobAtAcme, path: "/v1/me/identities/acme", token: bob.accessToken, password: bob.password)
            #expect(linked.status == .created && linked.json["provider"].string == "acme", "\(linked.json)")
            let asBob = try await Self.signIn(api, provider, as: bobAtAcme)
            #expect(try await api.call(.get, "/v1/me", token: asBob.json["access_token"].string).json["user"]["id"].string == bob.userID)

            // A state started for linking cannot finish a sign-in.
            let started = try await api.call(
                .post, "/v1/me/identities/acme/start", token: bob.accessToken, json: ["redirect_uri": Self.returnAddress, "password": bob.password])
            let (code, state) = try await provider.signIn(at: started.json["authorization_url"].string ?? "", as: bobAtAcme)
            let crossed = try await api.call(
                .post, "/v1/auth/providers/acme/finish", json: ["state": state, "code": code, "binding": started.json["binding"].string ?? ""])
            #expect(crossed.errorCode == "sign_in_state_invalid")

            let cy = try await api.signUp("cy")
            let taken = try await Self.signIn(
                api, provider, as: bobAtAcme, path: "/v1/me/identities/acme", token: cy.accessToken, password: cy.password)
            #expect(taken.status == .conflict && taken.errorCode == "sign_in_identity_taken")

            let nia = FakeOpenIDProvider.Person(subject: unique("sub"), email: "\(unique("nia"))@example.com", emailVerified: true, name: "Nia")
            let niaToken = try await Self.signIn(api, provider, as: nia).json["access_token"].string
            let last = try await api.call(.delete, "/v1/me/identities/acme", token: niaToken)
            #expect(last.status == .conflict && last.errorCode == "last_sign_in_method", "her only way in")
            #expect(try await api.call(.delete, "/v1/me/identities/acme", token: bob.accessToken).status == .noContent)
            #expect(try await api.call(.get, "/v1/me/identities", token: bob.accessToken).json["items"].array.isEmpty)
            #expect(try await api.call(.delete, "/v1/me/identities/acme", token: bob.accessToken).errorCode == "sign_in_provider_not_found")
        }
    }

    @Test("a chamber requires its admins to sign in through its provider; members, and API keys, go on as before", arguments: TestBackend.enabled)
    func chamberProvider(_ backend: TestBackend) async throws {
        try await Self.withProvider(backend) { api, provider in
            let chamber = try await EventTests.chamber(api, members: 1)
            let admin = chamber.admin
            let require: [String: Any] = ["settings": ["security": ["admin_sign_in_provider": "acme"]]]
            let early = try await api.call(.patch, chamber.path, token: admin.accessToken, json: require)
            #expect(early.status == .forbidden && early.errorCode == "sign_in_provider_required", "only an admin signed in through it may require it")
            let key = try await api.call(
                .post, "\(chamber.path)/api-keys", token: admin.accessToken, json: ["name": "Sync", "scopes": ["members:read"]])
            let adminAtAcme = FakeOpenIDProvider.Person(subject: unique("sub"), email: "\(unique("sso"))@example.com", emailVerified: true, name: "A")
            let linked = try await Self.signIn(
                api, provider, as: adminAtAcme, path: "/v1/me/identities/acme", token: admin.accessToken, password: admin.password)
            #expect(linked.status == .created)
            let sso = try #require(try await Self.signIn(api, provider, as: adminAtAcme).json["access_token"].string)
            let required = try await api.call(.patch, chamber.path, token: sso, json: require)
            #expect(required.status == .ok && required.json["settings"]["security"]["admin_sign_in_provider"].string == "acme", "\(required.json)")

            let byPassword = try await api.call(.get, "\(chamber.path)/members", token: admin.accessToken)
            #expect(byPassword.status == .forbidden && byPassword.errorCode == "sign_in_provider_required", "\(byPassword.json)")
            #expect(try await api.call(.get, "\(chamber.path)/members", token: sso).status == .ok)
            #expect(
                try await api.call(.get, "\(chamber.path)/members", token: chamber.members[0].accessToken).status == .ok, "members sign in any way")
            #expect(try await api.call(.get, "\(chamber.path)/members", token: key.json["secret"].string).status == .ok, "the key goes on")

            let cleared = try await api.call(
                .patch, chamber.path, token: sso, json: ["settings": ["security": ["admin_sign_in_provider": NSNull()]]])
            #expect(cleared.status == .ok && cleared.json["settings"]["security"]["admin_sign_in_provider"].isNull, "\(cleared.json)")
            #expect(try await api.call(.get, "\(chamber.path)/members", token: admin.accessToken).status == .ok)
        }
    }
}
