import Foundation

/// The web origins whose pages may call the API from a browser (`server.cors_allowed_origins`), besides the web app
/// this server serves itself (same origin, no policy needed). Tokens travel in the `Authorization` header, never in
/// cookies, so an allowed origin is never given credentials: it reaches only what its own token reaches.
public struct CrossOriginPolicy: Sendable, Equatable {
    /// Allowed origins, as browsers send them: `https://app.example.org`, lowercase, without a default port.
    let origins: Set<String>
    /// `*`: any origin.
    let anyOrigin: Bool

    /// No other origin: browsers keep other sites' pages from reading any answer.
    public static let none = CrossOriginPolicy(origins: [], anyOrigin: false)

    init(origins: Set<String>, anyOrigin: Bool) {
        self.origins = origins
        self.anyOrigin = anyOrigin
    }

    /// Origins as written in the configuration: `https://app.example.org`, `http://127.0.0.1:3000`, or `*`.
    /// - Throws: ``CrossOriginPolicy/Refusal`` naming the first entry that is no origin.
    public init(parsing entries: [String]) throws(Refusal) {
        var origins: Set<String> = []
        var anyOrigin = false
        for entry in entries.map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            if entry == "*" {
                anyOrigin = true
                continue
            }
            guard let origin = Self.origin(entry) else {
                throw Refusal(entry: entry, "is not an origin: a scheme, a host and maybe a port, as https://app.example.org")
            }
            origins.insert(origin)
        }
        self.init(origins: origins, anyOrigin: anyOrigin)
    }

    /// An entry of the list that names nothing usable.
    public typealias Refusal = ListEntryRefusal

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, or nil when it is not allowed.
    func allowedOrigin(for origin: String) -> String? {
        if anyOrigin { return "*" }
        guard let normal = Self.origin(origin), origins.contains(normal) else { return nil }
        return origin
    }

    /// `scheme://host[:port]` in lowercase without a default port, or nil for anything with a path, query, user or
    /// another scheme.
    static func origin(_ text: String) -> String? {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host?.lowercased(), !host.isEmpty, url.path.isEmpty, url.query == nil, url.fragment == nil, url.user == nil
        else { return nil }
        let port = url.port.flatMap { ($0 == 443 && scheme == "https") || ($0 == 80 && scheme == "http") ? nil : $0 }
        return "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")"
    }
}
