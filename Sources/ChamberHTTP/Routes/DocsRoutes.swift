import ChamberDomain
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /docs`: the API description for people, and `GET /docs/openapi.yaml` for tools. Public, like the document
/// in the repository; `404 not_found` on a node started without it.
struct DocsRoutes {
    let page: APIDocsPage?

    func register(on router: Router<AppRequestContext>) {
        let page = page
        router.get("docs") { _, _ in try Self.answer(page?.html, type: "text/html; charset=utf-8") }
        router.get("docs/openapi.yaml") { _, _ in try Self.answer(page?.yaml, type: "application/yaml") }
    }

    static func answer(_ text: String?, type: String) throws -> Response {
        guard let text else { throw ChamberError(.notFound, "this node was started without its API description (docs.openapi_file)") }
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=300"
        // The page runs no script and loads nothing from elsewhere; say so to the browser.
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; style-src 'unsafe-inline'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
