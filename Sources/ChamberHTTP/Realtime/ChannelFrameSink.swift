import ChamberRealtime
import NIOCore
import NIOWebSocket

/// The hub's view of an upgraded socket: writes text frames straight into the NIO pipeline (below Hummingbird's
/// async writer, which keeps pings and the close handshake), and reports writability changes to the connection.
///
/// Installed at the head of the pipeline so it sees writability first; it only observes inbound events and never
/// handles writes, so frames written here and by Hummingbird both reach the WebSocket encoder whole.
final class ChannelFrameSink: ChannelInboundHandler, FrameSink, @unchecked Sendable {
    // @unchecked: `connection` is set and read on the channel's event loop only.
    typealias InboundIn = NIOAny

    private let channel: any Channel
    private var connection: ClientConnection?

    init(channel: any Channel) {
        self.channel = channel
    }

    var eventLoop: any EventLoop { channel.eventLoop }
    var isWritable: Bool { channel.isWritable }

    func write(_ frame: ByteBuffer) {
        channel.write(WebSocketFrame(fin: true, opcode: .text, data: frame), promise: nil)
    }

    func flush() { channel.flush() }

    func abort() { channel.close(promise: nil) }

    /// Adds the sink to the channel's pipeline.
    func install() async throws {
        try await channel.eventLoop.submit {
            try self.channel.pipeline.syncOperations.addHandler(self, position: .first)
        }.get()
    }

    /// Starts reporting writability to `connection` (on the event loop).
    func attach(_ connection: ClientConnection) {
        channel.eventLoop.execute {
            self.connection = connection
            if !self.channel.isWritable { connection.writabilityChanged(false) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        connection?.writabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }
}
