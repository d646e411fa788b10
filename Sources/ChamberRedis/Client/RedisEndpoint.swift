import ChamberDomain
import Foundation

/// Where a Redis server is and how to log in: parsed from `redis://[user:password@]host[:port][/db]`.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int

    public init(host: String = "127.0.0.1", port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    public init(url: String) throws(RedisError) {
        guard let components = URLComponents(string: url), components.scheme == "redis", let host = components.host, !host.isEmpty else {
            throw RedisError(.badURL, "'\(redactedURL(url))' is not redis://host[:port][/db]")
        }
        let path = components.path.drop { $0 == "/" }
        guard path.isEmpty || Int(path) != nil else { throw RedisError(.badURL, "database '\(path)' in '\(redactedURL(url))' is not a number") }
        self.init(
            host: host, port: components.port ?? 6379,
            username: components.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding },
            password: components.password?.removingPercentEncoding, database: Int(path) ?? 0)
    }

    /// The address without credentials (for logs and `/health`).
    public var description: String { "redis://\(host):\(port)/\(database)" }
}
