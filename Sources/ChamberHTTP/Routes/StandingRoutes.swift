import ChamberDomain
import HTTPTypes
import Hummingbird

/// Membership standing: the dues-paying members by status (`/v1/chambers/{chamberId}/standings`), one member's
/// standing and ledger, and what staff do to it (`…/members/{userId}/standing`), to many at once
/// (`…/standings/bulk`).
struct StandingRoutes {
    let services: ChamberServices
    let membership: MembershipServices

    func register(on router: Router<AppRequestContext>) {
        let standings = membership.standings
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))
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
        chamber.post("standings/bulk") { request, context in
            let access = try context.access()
            let body = try await APIJSON.decode(BulkStandingRequest.self, from: request, context: context)
            let userIDs = try body.userIds.enumerated().map { index, raw throws(ChamberError) in
                try Validate.identifier(raw, as: UserID.self, field: "user_ids[\(index)]")
            }
            let results = try await standings.bulk(access, userIDs: userIDs, try body.action.parsed())
            return JSONResponse(
                .ok,
                ListBody(
                    items: try zip(userIDs, results).map { userID, result throws(ChamberError) in
                        switch result {
                        case .success(let done):
                            BulkStandingResultBody(
                                userId: userID.rawValue, standing: try StandingBody(done.member, proration: done.proration), error: nil)
                        case .failure(let error):
                            BulkStandingResultBody(
                                userId: userID.rawValue, standing: nil, error: .init(code: error.code.rawValue, message: error.message))
                        }
                    }))
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
