import ChamberDomain
import HTTPTypes
import Hummingbird

/// `/v1/auth/*` and `/v1/me`: accounts, tokens, sessions, passwords.
struct AuthRoutes {
    let services: ChamberServices

    func register(on router: Router<AppRequestContext>) {
        let auth = router.group("v1/auth")
        let accounts = services.accounts

        auth.post("register") { request, context in
            let body = try await APIJSON.decode(RegisterRequest.self, from: request, context: context)
            let client = context.client(request)
            let user = try await accounts.register(email: body.email, password: body.password, displayName: body.displayName, client: client)
            return JSONResponse(.created, UserBody(user))
        }

        auth.post("login") { request, context in
            let body = try await APIJSON.decode(LoginRequest.self, from: request, context: context)
            let client = context.client(request)
            switch try await accounts.login(email: body.email, password: body.password, client: client) {
            case .signedIn(let grant): return JSONResponse(.ok, LoginBody.tokens(TokenBody(grant)))
            case .secondFactorRequired(let token, let expiresAt):
                return JSONResponse(.ok, LoginBody.secondFactor(TwoFactorChallengeBody(challengeToken: token, expiresAt: expiresAt)))
            }
        }

        auth.post("refresh") { request, context in
            let body = try await APIJSON.decode(RefreshRequest.self, from: request, context: context)
            return JSONResponse(.ok, TokenBody(try await accounts.refresh(refreshToken: body.refreshToken)))
        }

        auth.post("logout") { _, context in
            try await accounts.logout(try context.identity())
            return Response(status: .noContent)
        }

        auth.get("sessions") { _, context in
            let identity = try context.identity()
            let sessions = try await accounts.sessions(of: identity)
            return JSONResponse(.ok, ListBody(items: sessions.map { SessionBody($0, current: identity.sessionID) }))
        }

        auth.delete("sessions/{sessionId}") { request, context in
            let identity = try context.identity()
            try await accounts.revokeSession(try request.id("sessionId", context: context), by: identity)
            return Response(status: .noContent)
        }

        auth.post("password") { request, context in
            let identity = try context.identity()
            let body = try await APIJSON.decode(ChangePasswordRequest.self, from: request, context: context)
            try await accounts.changePassword(identity, current: body.currentPassword, new: body.newPassword)
            return Response(status: .noContent)
        }

        auth.post("password-reset") { request, context in
            let body = try await APIJSON.decode(PasswordResetRequest.self, from: request, context: context)
            let client = context.client(request)
            try await accounts.requestPasswordReset(email: body.email, client: client)
            return Response(status: .accepted)
        }

        auth.post("password-reset/confirm") { request, context in
            let body = try await APIJSON.decode(PasswordResetConfirmRequest.self, from: request, context: context)
            try await accounts.confirmPasswordReset(token: body.token, newPassword: body.newPassword)
            return Response(status: .noContent)
        }

        let chambers = services.chambers
        router.get("v1/me") { _, context in
            let identity = try context.identity()
            let memberships = try await chambers.memberships(of: identity)
            return JSONResponse(
                .ok,
                MeBody(
                    user: UserBody(identity.user),
                    memberships: memberships.map { MembershipBody(chamber: ChamberBody($0.chamber), role: $0.role.rawValue) }))
        }
    }
}
