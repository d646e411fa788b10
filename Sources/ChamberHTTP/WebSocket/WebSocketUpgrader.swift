import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The WebSocket opening handshake (RFC 6455 §4.2.2) as NIO's typed upgrader does it, without the frame decoder,
/// encoder and protocol error handler that upgrader adds to every socket's pipeline.
///
/// Every socket carried the three for as long as it lived (some 850 bytes with their pipeline contexts and buffers).
/// ``WebSocketSessionHandler`` reads frames itself (``WebSocketFrameParser``) and answers a frame the parser refuses
/// with the close code NIO's handler would have sent; ``ServerFrame`` frames what the server sends.
struct WebSocketUpgrader<UpgradeResult: Sendable>: NIOTypedHTTPServerProtocolUpgrader, Sendable {
    let supportedProtocol = "websocket"
    let requiredUpgradeHeaders: [String] = []
    /// NIO's upgrader, for the handshake's checks and answer only.
    private let handshake: NIOTypedWebSocketServerUpgrader<UpgradeResult>
    private let upgradePipelineHandler: @Sendable (any Channel, HTTPRequestHead) -> EventLoopFuture<UpgradeResult>

    /// - Parameters:
    ///   - shouldUpgrade: extra response headers for an upgrade that may go ahead; nil refuses it (the request is then
    ///     served as HTTP).
    ///   - upgradePipelineHandler: installs the socket's handlers once the 101 is written.
    init(
        shouldUpgrade: @escaping @Sendable (any Channel, HTTPRequestHead) -> EventLoopFuture<HTTPHeaders?>,
        upgradePipelineHandler: @escaping @Sendable (any Channel, HTTPRequestHead) -> EventLoopFuture<UpgradeResult>
    ) {
        self.handshake = NIOTypedWebSocketServerUpgrader(shouldUpgrade: shouldUpgrade, upgradePipelineHandler: upgradePipelineHandler)
        self.upgradePipelineHandler = upgradePipelineHandler
    }

    func buildUpgradeResponse(
        channel: any Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        handshake.buildUpgradeResponse(channel: channel, upgradeRequest: upgradeRequest, initialResponseHeaders: initialResponseHeaders)
    }

    /// Only the socket's own handlers: no NIO codec.
    func upgrade(channel: any Channel, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<UpgradeResult> {
        upgradePipelineHandler(channel, upgradeRequest)
    }
}
