import ChamberDomain
import HTTPTypes
import Hummingbird

/// Membership standing: the dues-paying members by status (`/v1/chambers/{chamberId}/standings`), one member's
/// standing and ledger, and what staff do to it (`…/members/{userId}/standing`).
struct StandingRoutes {
    let services: ChamberServices
    let membership: MembershipServices

    func register(on router: Router<AppRequestContext>) {
        let standings = membership.standings
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(chambers: services.chambers))
        chamber.get("standings") { request, context in
            var status: MembershipStatus?
            if let raw = request.uri.queryParameters.get("status") {
                guard let parsed = MembershipStatus(rawValue: String(raw)) else {
                    throw ChamberError(
                        .validationFailed, "status is one of \(MembershipStatus.allCases.map(\.rawValue).joined(separator: ", "))", field: "status")
                }
                status = parsed
            }
            let page = try await standings.list(try context.access(), status: status, page: try request.page())
            return JSONResponse(.ok, try PageBody(page) { member throws(ChamberError) in try StandingBody(member) })
        }
        chamber.get("members/{userId}/standing") { request, context in
            let found = try await standings.standing(try context.access(), userID: try request.id("userId", context: context))
            return JSONResponse(.ok, try StandingBody(found.member, ledger: found.ledger))
        }
        chamber.post("members/{userId}/standing") { request, context in
            let access = try context.access()
            let userID: UserID = try request.id("userId", context: context)
            let body = try await APIJSON.decode(StandingActionRequest.self, from: request, context: context)
            let done = try await standings.act(access, userID: userID, try body.parsed())
            return JSONResponse(.ok, try StandingBody(done.member, proration: done.proration))
        }
    }
}
