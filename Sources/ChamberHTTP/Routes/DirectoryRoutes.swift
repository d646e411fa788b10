import ChamberDomain
import HTTPTypes
import Hummingbird

/// The business directory, searched: in the chamber (`/v1/chambers/{chamberId}/directory`) and on its public page
/// (`/v1/public/chambers/{slug}/directory`, no sign-in); the chamber's people (`…/directory/people`).
struct DirectoryRoutes {
    let services: ChamberServices
    let membership: MembershipServices

    func register(on router: Router<AppRequestContext>) {
        let directory = membership.directory
        router.get("v1/public/chambers/{slug}/directory") { request, context in
            let found = try await directory.publicSearch(slug: context.parameters.get("slug") ?? "", try Self.query(request))
            return JSONResponse(
                .ok,
                PublicDirectoryBody(
                    chamber: .init(id: found.chamber.id.rawValue, name: found.chamber.name, slug: found.chamber.slug),
                    items: found.page.items.map { BusinessBody($0, forPublic: true) }, nextCursor: found.page.nextCursor))
        }
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(chambers: services.chambers))
        chamber.get("directory") { request, context in
            JSONResponse(.ok, PageBody(try await directory.search(try context.access(), try Self.query(request))) { BusinessBody($0) })
        }
        chamber.get("directory/people") { request, context in
            let query = try DirectoryQuery(text: request.uri.queryParameters.get("q"), category: nil, sort: nil, page: try request.page())
            return JSONResponse(.ok, PageBody(try await directory.people(try context.access(), query)) { DirectoryPersonBody($0) })
        }
    }

    /// `q`, `category`, `sort`, `limit`, `cursor`.
    static func query(_ request: Request) throws -> DirectoryQuery {
        let parameters = request.uri.queryParameters
        var sort: DirectoryQuery.Sort?
        if let raw = parameters.get("sort") {
            guard let parsed = DirectoryQuery.Sort(rawValue: raw) else {
                throw ChamberError(
                    .validationFailed, "sort is one of \(DirectoryQuery.Sort.allCases.map(\.rawValue).joined(separator: ", "))", field: "sort")
            }
            sort = parsed
        }
        return try DirectoryQuery(text: parameters.get("q"), category: parameters.get("category"), sort: sort, page: try request.page())
    }
}
