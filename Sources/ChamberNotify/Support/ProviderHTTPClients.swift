import AsyncHTTPClient
import NIOSSL
import Synchronization

/// The HTTP clients providers send with, one per trust configuration for the life of the process: a client keeps
/// its connections (APNs' HTTP/2 connection above all) across pushes, and must never be dropped unclosed.
public enum ProviderHTTPClients {
    private static let clients = Mutex<[String: HTTPClient]>([:])

    /// The client trusting the system's roots, and the certificates in `extraRootsFile` too when given (a test's
    /// own certificate authority, or a corporate proxy's). The file is read when a connection is made: a bad one
    /// fails the sends, which are retried and then dead-lettered with the reason.
    public static func client(trustingAlso extraRootsFile: String?) -> HTTPClient {
        guard let file = extraRootsFile else { return HTTPClient.shared }
        return clients.withLock { clients in
            if let client = clients[file] { return client }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.file(file)]
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            configuration.httpVersion = .automatic
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[file] = client
            return client
        }
    }
}
