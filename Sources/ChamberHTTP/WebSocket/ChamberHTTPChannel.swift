import ChamberDomain
import HTTPTypes
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// Each accepted TCP connection: HTTP/1.1 for REST, or an upgrade to a WebSocket into the hub, on one port.
///
/// An upgrade the endpoint accepts turns the connection into NIO handlers (``WebSocketSessionHandler``) and the
/// connection's task ends: a socket at rest has none. An upgrade it refuses is answered like a REST call, with the
/// status and error body of the reason (401, 400, 403, 404, 503), so a client can tell "refresh the token" from
/// "stop"; then the connection closes. A request the parser cannot read is answered `400` and the connection closed;
/// ``ConnectionLimits`` bound what a connection may hold before its first request.
struct ChamberHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    struct Value: ServerChildChannelValue {
        let upgrade: EventLoopFuture<Upgrade>
        let channel: any NIOCore.Channel
    }

    enum Upgrade: Sendable {
        /// Plain HTTP: requests go to the router; `refusal` is set when the request was an upgrade we refused.
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, refusal: UpgradeRefusal?)
        /// A WebSocket, now run by its channel handlers.
        case websocket
    }

    let responder: HTTPChannelHandler.Responder
    let endpoint: WebSocketEndpoint
    let limits: ConnectionLimits
    let connectionsPerAddress: ConnectionsPerAddress
    /// Whether the connection came over TLS (requests' scheme is then `https`).
    let secure: Bool

    init(responder: @escaping HTTPChannelHandler.Responder, endpoint: WebSocketEndpoint, limits: ConnectionLimits, secure: Bool = false) {
        self.responder = responder
        self.endpoint = endpoint
        self.limits = limits
        self.secure = secure
        self.connectionsPerAddress = ConnectionsPerAddress(limit: limits.perAddress, trusted: limits.trustedProxies)
    }

    /// Each connection keeps its last receive buffer for the next read. NIO starts it at 2 KiB, which most sockets of
    /// a big event (idle, reading one small frame now and then) never need: they start at 512 bytes, and a connection
    /// that reads more grows its buffer as before.
    static let receiveBuffers = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 64 * 1024)

    /// NIO keeps a pool of receive buffers per connection, as many as the reads it makes per wake-up (4 by default),
    /// and a buffer still referenced upstream when the next read comes makes it add another: most sockets ended up
    /// holding two (1.5 KiB) for as long as they lived. One read per wake-up keeps one pooled buffer; a read fills up
    /// to 64 KiB, so a busy socket loses little.
    static let readsPerWakeUp: UInt = 1

    func setup(channel: any NIOCore.Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard connectionsPerAddress.admit(channel) else {
            logger.debug(
                "connection refused: its address holds the most connections one may",
                metadata: ["address": "\(channel.remoteAddress?.ipAddress ?? "?")"])
            return channel.close().flatMapThrowing { throw ChannelError.inputClosed }
        }
        return channel.eventLoop.makeCompletedFuture {
            try channel.syncOptions?.setOption(ChannelOptions.recvAllocator, value: Self.receiveBuffers)
            try channel.syncOptions?.setOption(ChannelOptions.maxMessagesPerRead, value: Self.readsPerWakeUp)
            let endpoint = self.endpoint
            // Why the upgrade was refused, for the answer (set on the check's task, read once the pipeline is HTTP).
            let refusal = NIOLockedValueBox<UpgradeRefusal?>(nil)
            // What an accepted upgrade's check found, for the socket (set on the check's task, read on the loop).
            let verified = NIOLockedValueBox<VerifiedUpgrade?>(nil)
            let upgrader = WebSocketUpgrader<Upgrade>(
                shouldUpgrade: { channel, head in
                    endpoint.shouldUpgrade(
                        head, on: channel, verified: { checked in verified.withLockedValue { $0 = checked } },
                        refused: { reason in refusal.withLockedValue { $0 = reason } })
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        try endpoint.install(on: channel, head: head, verified: verified.withLockedValue { $0 }, logger: logger)
                        return .websocket
                    }
                }
            )
            let (idleTimeout, secure) = (limits.idleTimeout, self.secure)
            let configuration = NIOTypedHTTPServerUpgradeConfiguration<Upgrade>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: secure))
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: idleTimeout.map { .nanoseconds($0.nanoseconds) }, logger: logger))
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        return .http(http, refusal: refusal.withLockedValue { $0 })
                    }
                }
            )
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<Upgrade>(upgradeConfiguration: configuration)
            pipeline.enablePipelining = false  // NIOAsyncChannel handles requests one at a time
            // A first request the parser cannot read gets `400` and `Connection: close` at once (NIO's handler, with
            // ``CloseOnParseError`` after it), instead of no answer until a timeout. Both leave once the first request is
            // in: Hummingbird answers later requests' parse errors itself, and a second answer must not follow.
            pipeline.enableErrorHandling = true
            pipeline.enableResponseHeaderValidation = false  // HTTPTypes validates already
            let upgrade = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            // The first request's head must be in before the deadline: a connection that sends nothing, or a header
            // line now and then, is closed. Later requests are the idle timeout's.
            let deadline = channel.eventLoop.scheduleTask(in: limits.requestHeadTimeout) { channel.close(promise: nil) }
            let closer = CloseOnParseError()
            try channel.pipeline.syncOperations.addHandler(closer)
            upgrade.whenComplete { _ in
                deadline.cancel()
                channel.pipeline.removeHandler(closer, promise: nil)
                // An upgrade took it away already; on the HTTP path it goes now.
                if let handler = try? channel.pipeline.syncOperations.handler(type: HTTPServerProtocolErrorHandler.self) {
                    channel.pipeline.syncOperations.removeHandler(handler, promise: nil)
                }
            }
            return Value(upgrade: upgrade, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgrade.get() {
            case .http(let http, .some(let refusal)):
                await Self.refuse(http, refusal)
            case .http(let http, nil):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .websocket:
                // The socket's handlers run it from here on, on its event loop; this task is done.
                return
            }
        } catch let error as ChannelError where error == .inputClosed {
            logger.trace("connection closed before a request")
            try? await value.channel.close()
        } catch {
            logger.debug("connection failed before a request", metadata: ["error": "\(error)"])
            try? await value.channel.close()
        }
    }

    /// Answers a refused upgrade with the REST error of its reason, then closes the connection.
    private static func refuse(_ http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, _ refusal: UpgradeRefusal) async {
        let response = APIErrorMiddleware.response(for: refusal.error)
        let body = ByteBuffer(bytes: APIErrorMiddleware.body(for: refusal.error))
        var head = response.head
        head.headerFields[.connection] = "close"
        head.headerFields[.contentLength] = "\(body.readableBytes)"
        head.headerFields[RequestIDMiddleware.header] = refusal.requestID
        try? await http.executeThenClose { _, outbound in
            try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
        }
    }
}
