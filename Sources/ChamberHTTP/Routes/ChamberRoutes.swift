import ChamberDomain
import HTTPTypes
import Hummingbird

/// `/v1/chambers/*` and `/v1/invitations/accept`: chambers, members, invitations, businesses, audit log.
/// Everything under `/v1/chambers/{chamberId}` passes ``ChamberAccessMiddleware`` first; the services check
/// the permission table for each operation.
struct ChamberRoutes {
    let services: ChamberServices

    func register(on router: Router<AppRequestContext>) {
        let chambers = services.chambers
        let businesses = services.businesses

        router.post("v1/chambers") { request, context in
            let identity = try context.identity()
            let body = try await APIJSON.decode(CreateChamberRequest.self, from: request, context: context)
            let chamber = try await chambers.create(
                by: identity, name: body.name, slug: body.slug, settings: try body.domainSettings(), branding: body.domainBranding)
            return JSONResponse(.created, ChamberBody(chamber))
        }

        router.get("v1/chambers") { request, context in
            let page = try await chambers.listAll(try context.identity(), page: try request.page())
            return JSONResponse(.ok, PageBody(page, ChamberBody.init))
        }

        router.post("v1/invitations/accept") { request, context in
            let identity = try context.identity()
            let body = try await APIJSON.decode(AcceptInvitationRequest.self, from: request, context: context)
            let (chamber, membership) = try await chambers.accept(invitationToken: body.token, by: identity)
            return JSONResponse(.ok, AcceptedInvitationBody(chamber: ChamberBody(chamber), role: membership.role.rawValue))
        }

        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))

        chamber.get { _, context in
            JSONResponse(.ok, ChamberBody(try await chambers.chamber(try context.access())))
        }
        chamber.patch { request, context in
            let body = try await APIJSON.decode(UpdateChamberRequest.self, from: request, context: context)
            return JSONResponse(.ok, ChamberBody(try await chambers.update(try context.access(), patch: body.patch)))
        }

        // Members
        chamber.get("members") { request, context in
            JSONResponse(.ok, PageBody(try await chambers.members(try context.access(), page: try request.page()), MemberBody.init))
        }
        chamber.get("members/{userId}") { request, context in
            JSONResponse(.ok, MemberBody(try await chambers.member(try context.access(), userID: try request.id("userId", context: context))))
        }
        chamber.patch("members/{userId}") { request, context in
            let userID: UserID = try request.id("userId", context: context)
            let body = try await APIJSON.decode(ChangeRoleRequest.self, from: request, context: context)
            return JSONResponse(.ok, MemberBody(try await chambers.changeRole(try context.access(), userID: userID, to: body.role)))
        }
        chamber.delete("members/{userId}") { request, context in
            try await chambers.remove(try context.access(), userID: try request.id("userId", context: context))
            return Response(status: .noContent)
        }

        // Invitations
        chamber.post("invitations") { request, context in
            let body = try await APIJSON.decode(InviteRequest.self, from: request, context: context)
            let issued = try await chambers.invite(try context.access(), email: body.email, role: body.role)
            return JSONResponse(.created, IssuedInvitationBody(invitation: InvitationBody(issued.invitation), token: issued.token))
        }
        chamber.get("invitations") { request, context in
            JSONResponse(.ok, PageBody(try await chambers.invitations(try context.access(), page: try request.page())) { InvitationBody($0) })
        }
        chamber.delete("invitations/{invitationId}") { request, context in
            try await chambers.revokeInvitation(try context.access(), id: try request.id("invitationId", context: context))
            return Response(status: .noContent)
        }

        // Businesses
        chamber.get("businesses") { request, context in
            JSONResponse(.ok, PageBody(try await businesses.list(try context.access(), page: try request.page())) { BusinessBody($0) })
        }
        chamber.post("businesses") { request, context in
            let body = try await APIJSON.decode(BusinessRequest.self, from: request, context: context)
            return JSONResponse(.created, BusinessBody(try await businesses.create(try context.access(), input: body.input)))
        }
        chamber.get("businesses/{businessId}") { request, context in
            JSONResponse(.ok, BusinessBody(try await businesses.get(try context.access(), id: try request.id("businessId", context: context))))
        }
        chamber.patch("businesses/{businessId}") { request, context in
            let id: BusinessID = try request.id("businessId", context: context)
            let body = try await APIJSON.decode(BusinessRequest.self, from: request, context: context)
            return JSONResponse(.ok, BusinessBody(try await businesses.update(try context.access(), id: id, input: body.input)))
        }
        chamber.delete("businesses/{businessId}") { request, context in
            try await businesses.delete(try context.access(), id: try request.id("businessId", context: context))
            return Response(status: .noContent)
        }
    }
}
