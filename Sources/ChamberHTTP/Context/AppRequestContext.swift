import ChamberDomain
import Hummingbird
import NIOCore

/// Per-request state: who is calling (once authenticated) and from where.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer of the connection: the client, or the proxy in front of the node.
    public let remoteAddress: SocketAddress?
    /// Where the request comes from: the peer, or the client a trusted proxy names (``ForwardedClient``).
    public internal(set) var clientAddress: SocketAddress?
    /// The outcome of reading the bearer token, if the request had one.
    var authentication: Result<Identity, ChamberError>?
    /// The outcome of reading an API key (a bearer token starting `cck_`), if the request had one: it reaches only
    /// the chamber routes its scopes open, where ``ChamberAccessMiddleware`` admits it.
    var apiKey: Result<ApiKey, ChamberError>?
    /// The caller's standing in the chamber named by the path, set by ``ChamberAccessMiddleware``.
    var chamberAccess: ChamberAccess?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.clientAddress = source.channel.remoteAddress
    }

    /// Bodies are small JSON documents; anything larger is refused before it is read.
    public var maxUploadSize: Int { 64 * 1024 }

    /// The authenticated caller, or `unauthenticated` / the token's failure.
    func identity() throws(ChamberError) -> Identity {
        switch authentication {
        case .some(.success(let identity)): return identity
        case .some(.failure(let error)): throw error
        case .none:
            if case .failure(let error) = apiKey { throw error }
            if apiKey != nil {
                throw ChamberError(
                    .apiKeyNotAllowed, "API keys reach only the chamber routes their scopes open; this one needs a person's access token")
            }
            throw ChamberError(.unauthenticated, "this route needs an access token: send 'Authorization: Bearer <token>'")
        }
    }

    /// The chamber access resolved for this route.
    func access() throws(ChamberError) -> ChamberAccess {
        guard let chamberAccess else { throw ChamberError(.internalError, "route has no chamber access resolved") }
        return chamberAccess
    }
}
