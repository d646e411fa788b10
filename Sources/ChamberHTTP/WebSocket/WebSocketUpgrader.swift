import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The WebSocket opening handshake (RFC 6455 §4.2.2): NIO's typed upgrader without the frame decoder, encoder and
/// protocol error handler it adds to every socket's pipeline.
///
/// Every socket carried the three for as long as it lived (some 850 bytes with their pipeline contexts and buffers).
/// ``WebSocketSessionHandler`` reads frames itself (``WebSocketFrameParser``) and answers a frame the parser refuses
/// with the close code NIO's handler would have sent; ``ServerFrame`` frames what the server sends.
struct WebSocketUpgrader<UpgradeResult: Sendable>: NIOTypedHTTPServerProtocolUpgrader, Sendable {
    let supportedProtocol = "websocket"
    let requiredUpgradeHeaders: [String] = []
    /// Extra response headers for an upgrade that may go ahead; nil refuses it (the request is then served as HTTP).
    let shouldUpgrade: @Sendable (any Channel, HTTPRequestHead) -> EventLoopFuture<HTTPHeaders?>
    /// Installs the socket's handlers once the 101 is written.
    let upgradePipelineHandler: @Sendable (any Channel, HTTPRequestHead) -> EventLoopFuture<UpgradeResult>

    /// RFC 6455 §1.3.
    private static var acceptGUID: String { "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" }

    func buildUpgradeResponse(
        channel: any Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        let keys = upgradeRequest.headers["Sec-WebSocket-Key"]
        let versions = upgradeRequest.headers["Sec-WebSocket-Version"]
        guard keys.count == 1, let key = keys.first, versions.count == 1 else {
            return channel.eventLoop.makeFailedFuture(NIOWebSocketUpgradeError.invalidUpgradeHeader)
        }
        guard versions.first == "13" else {
            return channel.eventLoop.makeFailedFuture(NIOWebSocketUpgradeError.invalidUpgradeHeader)
        }
        return shouldUpgrade(channel, upgradeRequest).flatMapThrowing { extraHeaders in
            guard var headers = extraHeaders else { throw NIOWebSocketUpgradeError.unsupportedWebSocketTarget }
            headers.replaceOrAdd(name: "Upgrade", value: "websocket")
            headers.add(name: "Sec-WebSocket-Accept", value: Self.accept(key))
            headers.replaceOrAdd(name: "Connection", value: "upgrade")
            return headers
        }
    }

    func upgrade(channel: any Channel, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<UpgradeResult> {
        upgradePipelineHandler(channel, upgradeRequest)
    }

    /// `Sec-WebSocket-Accept` for a client's key: the base64 of the SHA-1 of the key and the GUID.
    static func accept(_ key: String) -> String {
        Data(Insecure.SHA1.hash(data: Data((key + acceptGUID).utf8))).base64EncodedString()
    }
}
