import NIOCore
import NIOHTTP1

/// Closes the connection once its first request could not be parsed, after NIO's error handler (before it in the
/// pipeline) has answered `400`: the upgrade handler would otherwise wait on an open connection for good.
final class CloseOnParseError: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError { context.close(promise: nil) }
        context.fireErrorCaught(error)
    }
}
