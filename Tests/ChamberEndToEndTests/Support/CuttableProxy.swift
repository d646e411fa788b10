import NIOCore
import NIOPosix
import Synchronization

/// A TCP relay on loopback in front of a test server, whose network a test can cut and restore: cutting drops every
/// connection through it at once and refuses new ones, as a phone going into a tunnel would see it.
final class CuttableProxy: Sendable {
    private let listener: any Channel
    private let state: Shared

    private struct State {
        var cut = false
        var open: [any Channel] = []
    }

    private final class Shared: Sendable {
        let mutex = Mutex(State())
        func withLock<T>(_ body: (inout State) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    /// The port browsers connect to.
    let port: Int

    /// Starts relaying 127.0.0.1:<port> to 127.0.0.1:`target`.
    static func start(to target: Int) async throws -> CuttableProxy {
        let state = Shared()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                if state.withLock({ $0.cut }) { return inbound.close() }
                return ClientBootstrap(group: inbound.eventLoop).connect(host: "127.0.0.1", port: target).flatMapThrowing { outbound in
                    try inbound.pipeline.syncOperations.addHandler(Relay(peer: outbound))
                    try outbound.pipeline.syncOperations.addHandler(Relay(peer: inbound))
                    state.withLock { $0.open += [inbound, outbound] }
                    inbound.setOption(.autoRead, value: true).whenComplete { _ in }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return CuttableProxy(listener: listener, state: state)
    }

    private init(listener: any Channel, state: Shared) {
        self.listener = listener
        self.state = state
        port = listener.localAddress?.port ?? 0
    }

    /// Drops every connection through the relay and refuses new ones until ``restore()``.
    func cut() {
        let open = state.withLock { state in
            state.cut = true
            defer { state.open = [] }
            return state.open
        }
        for channel in open { channel.close(promise: nil) }
    }

    func restore() {
        state.withLock { $0.cut = false }
    }

    func stop() async {
        cut()
        try? await listener.close()
    }
}

/// Writes what one side reads to the other, and closes the other when one side closes.
private final class Relay: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let peer: any Channel

    init(peer: any Channel) {
        self.peer = peer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        peer.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
