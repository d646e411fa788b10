import ChamberDomain
import Hummingbird

/// Member engagement: `GET /v1/chambers/{chamberId}/engagement` (the chamber's figures over `days`, and its members').
struct EngagementRoutes {
    let services: ChamberServices
    let engagement: EngagementService

    func register(on router: Router<AppRequestContext>) {
        let engagement = engagement
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))
        chamber.get("engagement") { request, context in
            let rawDays = request.uri.queryParameters.get("days").map { String($0) } ?? "30"
            guard let days = Int(rawDays) else { throw ChamberError(.validationFailed, "days is a whole number of days", field: "days") }
            let report = try await engagement.report(try context.access(), days: days, page: try request.page())
            return JSONResponse(.ok, EngagementBody(days: days, since: report.since, overview: report.overview, page: report.members))
        }
    }
}
