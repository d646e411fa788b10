import ChamberDomain
import HTTPTypes
import Hummingbird
import NIOCore

/// The business directory, searched: in the chamber (`/v1/chambers/{chamberId}/directory`) and on its public page
/// (`/v1/public/chambers/{slug}/directory`, no sign-in); the chamber's people (`…/directory/people`).
struct DirectoryRoutes {
    let services: ChamberServices
    let membership: MembershipServices

    /// A page's JSON, kept under its edition (the same for every reader shown the same page) and the route's form.
    enum RenderingKey: Hashable, Sendable {
        case chamber(DirectoryAnswer.Edition)
        /// The public page also names the chamber, which the edition does not cover.
        case publicPage(DirectoryAnswer.Edition, name: String, slug: String)
    }

    func register(on router: Router<AppRequestContext>) {
        let directory = membership.directory
        // Writing a page's JSON costs more than finding it once the answer is kept: the rendering is kept too, at
        // about a kilobyte per business kept.
        let renderings = GenerationalCache<RenderingKey, ByteBuffer>(budget: directory.keptBusinesses * 1024) { $0.readableBytes }
        router.get("v1/public/chambers/{slug}/directory") { request, context in
            let found = try await directory.publicSearch(slug: context.parameters.get("slug") ?? "", try Self.query(request))
            let chamber = found.chamber
            return try Self.respond(renderings, found.answer.edition.map { .publicPage($0, name: chamber.name, slug: chamber.slug) }) {
                PublicDirectoryBody(
                    chamber: .init(id: chamber.id.rawValue, name: chamber.name, slug: chamber.slug),
                    items: found.answer.page.items.map { BusinessBody($0, forPublic: true) }, nextCursor: found.answer.page.nextCursor)
            }
        }
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))
        chamber.get("directory") { request, context in
            let answer = try await directory.search(try context.access(), try Self.query(request))
            return try Self.respond(renderings, answer.edition.map { .chamber($0) }) { PageBody(answer.page) { BusinessBody($0) } }
        }
        chamber.get("directory/people") { request, context in
            let parameters = request.uri.queryParameters
            let (page, after) = try request.page(keyedBy: DirectoryCursor.self)
            // People are by name whatever the words: their cursor is a key of name order.
            let query = try DirectoryQuery(text: parameters.get("q"), category: parameters.get("category"), sort: .name, page: page, after: after)
            return JSONResponse(.ok, PageBody(try await directory.people(try context.access(), query)) { DirectoryPersonBody($0) })
        }
    }

    /// The JSON kept in `renderings` under `key`, or `body` written (and kept, when it has a key).
    static func respond(
        _ renderings: GenerationalCache<RenderingKey, ByteBuffer>, _ key: RenderingKey?, _ body: () -> some Encodable
    ) throws -> Response {
        if let key, let kept = renderings.value(for: key) { return JSONResponse.encoded(.ok, kept) }
        let bytes = ByteBuffer(bytes: try APIJSON.encode(body()))
        if let key { renderings.keep(bytes, for: key) }
        return JSONResponse.encoded(.ok, bytes)
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
        let (page, after) = try request.page(keyedBy: DirectoryCursor.self)
        return try DirectoryQuery(text: parameters.get("q"), category: parameters.get("category"), sort: sort, page: page, after: after)
    }
}
