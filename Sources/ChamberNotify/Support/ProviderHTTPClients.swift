import AsyncHTTPClient
import NIOSSL
import Synchronization

/// The HTTP clients providers send with, one per trust configuration for the life of the process: a client keeps
/// its connections (APNs' HTTP/2 connection above all) across pushes, and must never be dropped unclosed. FCM's
/// sends go through an ``HTTP1Pool`` per origin instead.
public enum ProviderHTTPClients {
    private static let clients = Mutex<[String: HTTPClient]>([:])

    /// The client trusting the system's roots, and the certificates in `extraRootsFile` too when given (a test's
    /// own certificate authority, or a corporate proxy's). The file is read when a connection is made: a bad one
    /// fails the sends, which are retried and then dead-lettered with the reason.
    public static func client(trustingAlso extraRootsFile: String?) -> HTTPClient {
        clients.withLock { clients in
            let key = extraRootsFile ?? ""
            if let client = clients[key] { return client }
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls(trustingAlso: extraRootsFile))
            configuration.httpVersion = .automatic
            // A provider reached over HTTP/1.1 (an endpoint without HTTP/2) takes one request per connection at a time:
            // as many connections as `push.concurrency`'s default lets sends be in flight, not AsyncHTTPClient's 8.
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = maxHTTP1Connections
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[key] = client
            return client
        }
    }

    /// Connections per provider host over HTTP/1.1 (HTTP/2 multiplexes its streams over one).
    static let maxHTTP1Connections = 64

    /// At most `connections` connections to `origin`, over TLS trusting the system's roots and those in
    /// `extraRootsFile` (read now: a bad file throws), kept for the life of the process (one pool per origin and trust).
    public static func pool(origin: String, connections: Int, trustingAlso extraRootsFile: String?) throws -> HTTP1Pool {
        try pools.withLock { pools in
            let key = origin + "\u{0}" + (extraRootsFile ?? "") + "\u{0}\(connections)"
            if let pool = pools[key] { return pool }
            let pool = try HTTP1Pool(origin: origin, connections: connections, tls: tls(trustingAlso: extraRootsFile))
            pools[key] = pool
            return pool
        }
    }

    private static let pools = Mutex<[String: HTTP1Pool]>([:])

    private static func tls(trustingAlso extraRootsFile: String?) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let extraRootsFile { tls.additionalTrustRoots = [.file(extraRootsFile)] }
        return tls
    }
}
