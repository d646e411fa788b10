import ChamberDomain
import HTTPTypes
import Hummingbird

/// Membership: a chamber's public offer (`/v1/public/chambers/{slug}/membership`), the applicant's own applications
/// (`/v1/applications/*`, no membership needed), and for the chamber its tiers and review queue
/// (`/v1/chambers/{chamberId}/tiers`, `…/applications`).
struct MembershipRoutes {
    let services: ChamberServices
    let membership: MembershipServices

    func register(on router: Router<AppRequestContext>) {
        let (tiers, applications, chambers, accounts) = (membership.tiers, membership.applications, services.chambers, services.accounts)

        router.get("v1/public/chambers/{slug}/membership") { _, context in
            let offer = try await applications.offer(slug: context.parameters.get("slug") ?? "")
            let currency = offer.chamber.settings.currency
            return JSONResponse(
                .ok,
                MembershipOfferBody(
                    chamber: .init(
                        id: offer.chamber.id.rawValue, name: offer.chamber.name, slug: offer.chamber.slug,
                        openApplications: offer.chamber.settings.openApplications),
                    tiers: offer.tiers.map { TierBody($0, currency: currency) },
                    categories: offer.categories.map { .init(code: $0.code, name: $0.name) }))
        }

        // The applicant
        router.post("v1/applications") { request, context in
            let body = try await APIJSON.decode(StartApplicationRequest.self, from: request, context: context)
            let chamberID = try Validate.identifier(body.chamberId, as: ChamberID.self, field: "chamber_id")
            var grant: TokenGrant?
            let identity: Identity
            if context.authentication == nil, let account = body.account {
                // Registration and application in one step: the account, a session, then the draft. A chamber that
                // would refuse the application is found out first, so no account is left behind by a refusal.
                try await applications.requireOpen(chamberID)
                let client = context.client(request)
                _ = try await accounts.register(email: account.email, password: account.password, displayName: account.displayName, client: client)
                // A new account has no second factor, so its login opens a session at once.
                guard case .signedIn(let issued) = try await accounts.login(email: account.email, password: account.password, client: client)
                else { throw ChamberError(.internalError, "a new account asked for a second factor") }
                grant = issued
                identity = try await accounts.authenticate(accessToken: issued.accessToken)
            } else {
                identity = try context.identity()
            }
            let application = try await applications.start(identity, chamberID: chamberID)
            return JSONResponse(
                .created, StartedApplicationBody(application: ApplicationBody(application, forApplicant: true), session: grant.map(TokenBody.init)))
        }
        router.get("v1/applications") { _, context in
            JSONResponse(.ok, ListBody(items: try await applications.mine(try context.identity()).map { ApplicationBody($0, forApplicant: true) }))
        }
        router.get("v1/applications/{applicationId}") { request, context in
            JSONResponse(
                .ok,
                ApplicationBody(
                    try await applications.get(try context.identity(), id: try request.id("applicationId", context: context)), forApplicant: true))
        }
        router.put("v1/applications/{applicationId}/steps/{step}") { request, context in
            let identity = try context.identity()
            let id: ApplicationID = try request.id("applicationId", context: context)
            guard let step = ApplicationStep(rawValue: context.parameters.get("step") ?? "") else {
                throw ChamberError(.notFound, "the steps are \(ApplicationStep.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let body = try await APIJSON.decode(ApplicationStepRequest.self, from: request, context: context)
            return JSONResponse(.ok, ApplicationBody(try await applications.save(identity, id: id, body.input(for: step)), forApplicant: true))
        }
        router.post("v1/applications/{applicationId}/submit") { request, context in
            let identity = try context.identity()
            let id: ApplicationID = try request.id("applicationId", context: context)
            // The body is optional: an answer to staff's request for information.
            let response = try await APIJSON.decodeIfPresent(SubmitApplicationRequest.self, from: request, context: context)?.response
            return JSONResponse(.ok, ApplicationBody(try await applications.submit(identity, id: id, response: response), forApplicant: true))
        }
        router.post("v1/applications/{applicationId}/withdraw") { request, context in
            JSONResponse(
                .ok,
                ApplicationBody(
                    try await applications.withdraw(try context.identity(), id: try request.id("applicationId", context: context)), forApplicant: true
                ))
        }

        // The chamber
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))
        chamber.get("tiers") { request, context in
            let access = try context.access()
            let currency = try await chambers.chamber(access).settings.currency
            let all = request.uri.queryParameters.get("include_retired") == "true"
            return JSONResponse(.ok, ListBody(items: try await tiers.list(access, includingRetired: all).map { TierBody($0, currency: currency) }))
        }
        chamber.post("tiers") { request, context in
            let access = try context.access()
            let body = try await APIJSON.decode(TierRequest.self, from: request, context: context)
            let tier = try await tiers.create(access, input: try body.input())
            return JSONResponse(.created, TierBody(tier, currency: try await chambers.chamber(access).settings.currency))
        }
        chamber.patch("tiers/{tierId}") { request, context in
            let access = try context.access()
            let body = try await APIJSON.decode(TierRequest.self, from: request, context: context)
            let tier = try await tiers.update(access, id: try request.id("tierId", context: context), input: try body.input())
            return JSONResponse(.ok, TierBody(tier, currency: try await chambers.chamber(access).settings.currency))
        }
        chamber.get("applications") { request, context in
            var status: ApplicationStatus?
            if let raw = request.uri.queryParameters.get("status") {
                guard let parsed = ApplicationStatus(rawValue: String(raw)) else {
                    throw ChamberError(
                        .validationFailed, "status is one of submitted, info_requested, approved, rejected, withdrawn", field: "status")
                }
                status = parsed
            }
            let page = try await applications.queue(try context.access(), status: status, page: try request.page())
            return JSONResponse(.ok, PageBody(page) { ApplicationBody($0) })
        }
        chamber.get("applications/{applicationId}") { request, context in
            JSONResponse(
                .ok, ApplicationBody(try await applications.review(try context.access(), id: try request.id("applicationId", context: context))))
        }
        chamber.post("applications/{applicationId}/decision") { request, context in
            let access = try context.access()
            let id: ApplicationID = try request.id("applicationId", context: context)
            let body = try await APIJSON.decode(ApplicationDecisionRequest.self, from: request, context: context)
            return JSONResponse(.ok, ApplicationBody(try await applications.decide(access, id: id, try body.parsed())))
        }
    }
}
