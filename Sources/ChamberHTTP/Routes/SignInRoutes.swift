import ChamberDomain
import Hummingbird

/// Sign-in with OpenID Connect providers (`/v1/auth/providers…`), and the caller's linked providers
/// (`/v1/me/identities…`).
struct SignInRoutes {
    let services: ChamberServices

    func register(on router: Router<AppRequestContext>) {
        let signIn = services.signIn
        let accounts = router.group("v1/auth/providers")
        accounts.get { _, _ in
            JSONResponse(.ok, ListBody(items: signIn.providers.map { SignInProviderBody(id: $0.id, name: $0.name) }))
        }
        accounts.post("{providerId}/start") { request, context in
            let body = try await APIJSON.decode(SignInStartRequest.self, from: request, context: context)
            return JSONResponse(
                .ok, SignInStartBody(try await signIn.start(provider: context.parameters.get("providerId") ?? "", redirectURI: body.redirectUri)))
        }
        accounts.post("{providerId}/finish") { request, context in
            let body = try await APIJSON.decode(SignInFinishRequest.self, from: request, context: context)
            let client = context.client(request)
            switch try await signIn.finish(
                provider: context.parameters.get("providerId") ?? "", state: body.state, binding: body.binding, code: body.code, client: client)
            {
            case .signedIn(let grant): return JSONResponse(.ok, LoginBody.tokens(TokenBody(grant)))
            case .secondFactorRequired(let token, let expiresAt):
                return JSONResponse(.ok, LoginBody.secondFactor(TwoFactorChallengeBody(challengeToken: token, expiresAt: expiresAt)))
            }
        }

        let identities = router.group("v1/me/identities")
        identities.get { _, context in
            JSONResponse(.ok, ListBody(items: try await signIn.identities(try context.identity()).map(LinkedIdentityBody.init)))
        }
        identities.post("{providerId}/start") { request, context in
            let caller = try context.identity()
            let body = try await APIJSON.decode(SignInStartRequest.self, from: request, context: context)
            let started = try await signIn.startLink(
                caller, provider: context.parameters.get("providerId") ?? "", redirectURI: body.redirectUri, password: body.password)
            return JSONResponse(.ok, SignInStartBody(started))
        }
        identities.post("{providerId}/finish") { request, context in
            let caller = try context.identity()
            let body = try await APIJSON.decode(SignInFinishRequest.self, from: request, context: context)
            let linked = try await signIn.finishLink(
                caller, provider: context.parameters.get("providerId") ?? "", state: body.state, binding: body.binding, code: body.code)
            return JSONResponse(.created, LinkedIdentityBody(linked))
        }
        identities.delete("{providerId}") { _, context in
            try await signIn.unlink(try context.identity(), provider: context.parameters.get("providerId") ?? "")
            return Response(status: .noContent)
        }
    }
}
