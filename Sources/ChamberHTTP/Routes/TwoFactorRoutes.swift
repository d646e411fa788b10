import ChamberDomain
import HTTPTypes
import Hummingbird

/// `/v1/auth/two-factor*` and the login's second step: authenticator apps (TOTP) and recovery codes.
struct TwoFactorRoutes {
    let services: ChamberServices

    func register(on router: Router<AppRequestContext>) {
        let auth = router.group("v1/auth")
        let accounts = services.accounts

        auth.post("login/two-factor") { request, context in
            let body = try await APIJSON.decode(SecondFactorLoginRequest.self, from: request, context: context)
            let client = context.client(request)
            let grant = try await accounts.finishLogin(challengeToken: body.challengeToken, proof: try body.proof.proof(), client: client)
            return JSONResponse(.ok, TokenBody(grant))
        }

        auth.get("two-factor") { _, context in
            JSONResponse(.ok, TwoFactorStatusBody(try await accounts.twoFactorStatus(try context.identity())))
        }

        auth.delete("two-factor") { request, context in
            let identity = try context.identity()
            let body = try await APIJSON.decode(DisableTwoFactorRequest.self, from: request, context: context)
            try await accounts.disableTwoFactor(identity, password: body.password, proof: try body.proof.proof())
            return Response(status: .noContent)
        }

        auth.post("two-factor/totp") { request, context in
            let identity = try context.identity()
            let body = try await APIJSON.decode(PasswordConfirmationRequest.self, from: request, context: context)
            return JSONResponse(.created, TotpEnrolmentBody(try await accounts.enrolTotp(identity, password: body.password)))
        }

        auth.post("two-factor/totp/confirm") { request, context in
            let identity = try context.identity()
            let body = try await APIJSON.decode(TotpCodeRequest.self, from: request, context: context)
            return JSONResponse(.ok, RecoveryCodesBody(recoveryCodes: try await accounts.confirmTotp(identity, code: body.code)))
        }

        auth.post("two-factor/recovery-codes") { request, context in
            let identity = try context.identity()
            let body = try await APIJSON.decode(TotpCodeRequest.self, from: request, context: context)
            return JSONResponse(.ok, RecoveryCodesBody(recoveryCodes: try await accounts.renewRecoveryCodes(identity, code: body.code)))
        }
    }
}
