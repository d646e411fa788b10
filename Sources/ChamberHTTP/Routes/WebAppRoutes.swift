import ChamberDomain
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// What a node serves of the web app, and tells its pages before anyone signs in.
public struct WebApp: Sendable {
    /// The app's files; none: `/` answers `404`.
    public var files: WebAppFiles?
    /// Whether the node runs the demo (its logins are then public).
    public var demo: Bool
    /// The VAPID public key (base64url, uncompressed P-256) browsers subscribe to Web Push with; none: not offered.
    public var webPushPublicKey: String?

    public init(files: WebAppFiles? = nil, demo: Bool = false, webPushPublicKey: String? = nil) {
        self.files = files
        self.demo = demo
        self.webPushPublicKey = webPushPublicKey
    }
}

/// `GET /` and `GET /app/{file}`: the web app, and `GET /v1/public/instance`, what its first page needs to know.
struct WebAppRoutes {
    let files: WebAppFiles?
    let instance: InstanceBody

    /// The page may load and connect to this server only (a chamber's logo may be any https image); nothing may frame
    /// it (clickjacking).
    static let contentSecurityPolicy =
        "default-src 'self'; connect-src 'self'; img-src 'self' data: blob: https:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

    func register(on router: Router<AppRequestContext>) {
        let files = files
        let instance = instance
        router.get("/") { request, _ in
            guard let files else { throw ChamberError(.notFound, "this node was started without the web app (web.root)") }
            return Self.answer(files.index, to: request)
        }
        router.get("app/{file}") { request, context in
            let name = context.parameters.get("file") ?? ""
            guard let file = files?.files[name] else { throw ChamberError(.notFound, "no file '\(name)' in the web app") }
            return Self.answer(file, to: request)
        }
        router.get("v1/public/instance") { _, _ in JSONResponse(.ok, instance) }
    }

    static func answer(_ file: WebAppFiles.File, to request: Request) -> Response {
        var headers = HTTPFields()
        // Revalidated on every load: a new version is picked up at once, an unchanged file costs a 304.
        headers[.cacheControl] = "no-cache"
        headers[.eTag] = file.etag
        headers[HTTPField.Name("Content-Security-Policy")!] = contentSecurityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        if let held = request.headers[.ifNoneMatch],
            held.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == file.etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = file.contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: file.bytes))
    }
}

/// `Instance` in openapi.yaml.
struct InstanceBody: Encodable, Sendable {
    struct Demo: Encodable, Sendable {
        struct Login: Encodable, Sendable {
            let role: String
            let email: String
        }
        let chamberSlug: String
        let password: String
        let logins: [Login]
    }
    struct WebPush: Encodable, Sendable {
        let applicationServerKey: String
    }
    let version: String
    let demo: Demo?
    let webPush: WebPush?

    init(version: String, app: WebApp) {
        let demo = app.demo
        self.version = version
        webPush = app.webPushPublicKey.map { WebPush(applicationServerKey: $0) }
        self.demo =
            demo
            ? Demo(
                chamberSlug: DemoSeeder.slug, password: DemoSeeder.password,
                logins: DemoSeeder.logins.map { Demo.Login(role: $0.role, email: $0.email) })
            : nil
    }
}
