import ChamberDomain
import HTTPTypes
import Hummingbird

/// Answers a request whose path is a route, but not with its method, `405 method_not_allowed` with `Allow`, where the
/// router alone says `404` (the path exists: a client sent the wrong verb, not the wrong address).
///
/// Added after every route, so it wraps only the router's not-found answer.
struct MethodNotAllowed: RouterMiddleware {
    typealias Context = AppRequestContext

    /// Each route's path, split into its elements, with the methods it takes.
    let routes: [(path: RouterPath, methods: Set<HTTPRequest.Method>)]

    init(routes: [Router<AppRequestContext>.RouteDescription]) {
        self.routes = Dictionary(grouping: routes, by: \.path.description).values.compactMap { group in
            group.first.map { ($0.path, Set(group.map(\.method))) }
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = allowedMethods(for: request.uri.path)
            guard !allowed.isEmpty else { throw error }
            var response = APIErrorMiddleware.response(
                for: ChamberError(
                    .methodNotAllowed, "\(request.method.rawValue) is not allowed here; this path takes \(allowed.joined(separator: ", "))"))
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }

    /// The methods of every route whose path matches, sorted; empty when none does.
    func allowedMethods(for path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var methods = Set<String>()
        for route in routes where Self.matches(Array(route.path.components), segments[...]) {
            methods.formUnion(route.methods.map(\.rawValue))
        }
        return methods.sorted()
    }

    private static func matches(_ elements: [RouterPath.Element], _ segments: ArraySlice<Substring>) -> Bool {
        guard let element = elements.first else { return segments.isEmpty }
        if element == RouterPath.Element.recursiveWildcard { return true }
        guard let segment = segments.first, element ~= segment else { return false }
        return matches(Array(elements.dropFirst()), segments.dropFirst())
    }
}
