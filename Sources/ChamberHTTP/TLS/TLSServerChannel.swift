import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// A connection that speaks TLS with the node's current certificate (``ServerTLS``) before the base channel's HTTP
/// and WebSocket handlers, which then see plain bytes. HummingbirdTLS's channel fixes its context at start; this one
/// reads it per connection, so a reload reaches new connections.
struct TLSServerChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let tls: ServerTLS

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.current))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
