import ChamberDomain
import ChamberRealtime
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// `GET /v1/ws`: the WebSocket upgrade into the hub (protocol v1, documented in `Protocol/websocket.md`).
///
/// The access token comes as `Authorization: Bearer`, as `?access_token=` (browsers cannot set headers), or in a
/// first `auth` frame within `authTimeoutSeconds`. The chamber comes as `?chamber_id=` or in the `auth` frame.
/// An upgrade with a bad token is not upgraded: ``ChamberHTTPChannel`` answers it with the REST status and error body
/// of the reason (``UpgradeRefusal``).
///
/// With `conformanceEcho` (never by default) `GET /v1/conformance/echo` upgrades to a socket that echoes each
/// message, on the same transport as the hub's: it is what the Autobahn suite is run against.
public struct WebSocketEndpoint: Sendable {
    public static let path = "/v1/ws"
    public static let echoPath = "/v1/conformance/echo"
    /// The largest message the echo endpoint takes (Autobahn sends up to 16 MiB).
    static let echoMaxMessageBytes = 16 << 20

    let hub: Hub
    let services: ChamberServices
    let chat: ChatService
    let moderation: ModerationService
    let logger: Logger
    let conformanceEcho: Bool
    /// Shared by every socket's session (one reference each instead of six fields).
    let sessionServices: HubSession.Services

    public init(hub: Hub, services: ChamberServices, chat: ChatService, moderation: ModerationService, conformanceEcho: Bool = false, logger: Logger)
    {
        self.moderation = moderation
        self.hub = hub
        self.services = services
        self.chat = chat
        self.conformanceEcho = conformanceEcho
        self.logger = logger
        self.sessionServices = HubSession.Services(
            hub: hub, accounts: services.accounts, chambers: services.chambers, chat: chat, moderation: moderation, logger: logger)
    }

    /// The HTTP server: REST and the upgrade on one port, each connection held to `limits`, over TLS with `tls`.
    public func server(limits: ConnectionLimits, tls: ServerTLS? = nil) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            let http = ChamberHTTPChannel(responder: responder, endpoint: self, limits: limits, secure: tls != nil)
            guard let tls else { return http }
            return TLSServerChannel(base: http, tls: tls)
        }
    }

    /// Where the token and chamber of an upgrade request are.
    struct Credentials {
        let token: String?
        let chamberID: String?

        init(path: String, authorization: String?) {
            let query = ConnectionQuery(path)
            if let authorization, authorization.lowercased().hasPrefix("bearer ") {
                token = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
            } else {
                token = query["access_token"]
            }
            chamberID = query["chamber_id"]
        }

        init(_ head: HTTPRequestHead) {
            self.init(path: head.uri, authorization: head.headers.first(name: "authorization"))
        }
    }

    /// Checks the credentials an upgrade request carries; throws the reason to refuse it. A draining node refuses
    /// every upgrade, with a token or not, so a proxy tries the next node. Returns what was checked (nil without a
    /// token: the `auth` frame follows), for the socket to register with.
    @discardableResult
    func check(_ credentials: Credentials) async throws -> VerifiedUpgrade? {
        guard !hub.isDraining else { throw ChamberError(.unavailable, "this node is shutting down; reconnect to another") }
        guard let token = credentials.token else { return nil }
        guard let chamber = credentials.chamberID else {
            throw ChamberError(.validationFailed, "name the chamber with ?chamber_id=", field: "chamber_id")
        }
        let chamberID = try Validate.identifier(chamber, as: ChamberID.self, field: "chamber_id")
        let identity = try await services.accounts.authenticate(accessToken: token)
        let access = try await services.chambers.access(identity, to: chamberID)
        return VerifiedUpgrade(identity: identity, access: access, chamberID: chamberID)
    }

    private static func route(_ uri: String) -> Substring { uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }

    /// Decides an upgrade: `/v1/ws` with acceptable credentials (or none: the `auth` frame follows), and the echo
    /// endpoint when enabled. `nil` refuses it; `refused` is told why, for the answer, and `verified` what was
    /// checked, for the socket.
    func shouldUpgrade(
        _ head: HTTPRequestHead, on channel: any NIOCore.Channel,
        verified: @escaping @Sendable (VerifiedUpgrade) -> Void,
        refused: @escaping @Sendable (UpgradeRefusal) -> Void
    ) -> EventLoopFuture<HTTPHeaders?> {
        let route = Self.route(head.uri)
        if route == Self.echoPath {
            if !conformanceEcho { refused(UpgradeRefusal(ChamberError(.notFound, "no route GET \(Self.echoPath)"))) }
            return channel.eventLoop.makeSucceededFuture(conformanceEcho ? HTTPHeaders() : nil)
        }
        guard route == Self.path else { return channel.eventLoop.makeSucceededFuture(nil) }
        let credentials = Credentials(head)
        let logger = self.logger
        return channel.eventLoop.makeFutureWithTask { () -> HTTPHeaders? in
            do {
                if let checked = try await check(credentials) { verified(checked) }
                return HTTPHeaders()
            } catch let error as ChamberError {
                refused(UpgradeRefusal(error))
                return nil
            } catch {
                let requestID = RequestID().description
                logger.error("upgrade check failed", metadata: ["hb.request.id": "\(requestID)", "error": "\(String(reflecting: error))"])
                let failure = ChamberError(.internalError, "the server failed to check this upgrade; it has been logged as \(requestID)")
                refused(UpgradeRefusal(failure, requestID: requestID))
                return nil
            }
        }
    }

    /// Turns an upgraded channel into a socket: the frame sink at the head of the pipeline (hub frames, framed once per
    /// loop), and the session handler, which reads the frames. On the channel's event loop.
    func install(on channel: any NIOCore.Channel, head: HTTPRequestHead, verified: VerifiedUpgrade?, logger: Logger) throws {
        let sink = ChannelFrameSink(channel: channel)
        let configuration = hub.configuration
        var settings = WebSocketSessionHandler.Configuration(
            maxFrameBytes: configuration.maxFrameBytes,
            maxMessageBytes: configuration.maxFrameBytes,
            authTimeout: .seconds(Int64(configuration.authTimeoutSeconds)),
            pingInterval: .seconds(Int64(configuration.pingIntervalSeconds)))
        let mode: WebSocketSessionHandler.Mode
        if Self.route(head.uri) == Self.echoPath {
            settings.maxFrameBytes = Self.echoMaxMessageBytes
            settings.maxMessageBytes = Self.echoMaxMessageBytes
            mode = .echo
        } else {
            let credentials = Credentials(head)
            let session = HubSession(sessionServices, chamberID: credentials.chamberID, sink: sink)
            mode = .hub(session)
        }
        try channel.pipeline.syncOperations.addHandler(sink, position: .first)
        try channel.pipeline.syncOperations.addHandler(
            WebSocketSessionHandler(mode: mode, verified: verified, sink: sink, configuration: settings, logger: logger))
    }
}

/// The query of an upgrade path, percent-decoded.
struct ConnectionQuery {
    private var values: [String: String] = [:]

    init(_ path: String) {
        guard let query = path.split(separator: "?", maxSplits: 1).dropFirst().first else { return }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard let key = parts.first else { continue }
            let value = parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ") : ""
            values[String(key)] = value.removingPercentEncoding ?? value
        }
    }

    subscript(key: String) -> String? { values[key] }
}

/// Why an upgrade was refused, and the request id its answer carries (`X-Request-Id`, as every REST answer does).
struct UpgradeRefusal: Sendable {
    let error: ChamberError
    let requestID: String

    init(_ error: ChamberError, requestID: String = RequestID().description) {
        self.error = error
        self.requestID = requestID
    }
}

/// An upgrade whose token and chamber were checked before the 101: the socket registers with them, without asking
/// the database again.
struct VerifiedUpgrade: Sendable {
    let identity: Identity
    let access: ChamberAccess
    let chamberID: ChamberID
}
