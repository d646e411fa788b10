import ChamberRealtime
import NIOCore
import NIOWebSocket

/// The hub's view of an upgraded socket: writes text frames at the head of the NIO pipeline (below Hummingbird's
/// async writer, which keeps pings and the close handshake), and reports writability changes to the connection.
///
/// Installed at the head of the pipeline, so it sees writability first and its writes skip every handler above it:
/// it frames the text itself (a server frame is a 2 to 10 byte header and the unmasked payload, RFC 6455 §5.2) and
/// hands header and the shared payload buffer straight to the socket's write queue. Hummingbird's own frames pass
/// through the WebSocket encoder; both are written whole, on the event loop, so they never interleave.
final class ChannelFrameSink: ChannelInboundHandler, FrameSink, @unchecked Sendable {
    // @unchecked: `connection` is set and read on the channel's event loop only.
    typealias InboundIn = NIOAny

    private let channel: any Channel
    private var connection: ClientConnection?
    private var context: ChannelHandlerContext?

    init(channel: any Channel) {
        self.channel = channel
    }

    var eventLoop: any EventLoop { channel.eventLoop }
    var isWritable: Bool { channel.isWritable }

    func write(_ frame: ByteBuffer) {
        guard let context else {
            channel.write(WebSocketFrame(fin: true, opcode: .text, data: frame), promise: nil)
            return
        }
        let length = frame.readableBytes
        var header = context.channel.allocator.buffer(capacity: 10)
        header.writeInteger(UInt8(0x81))  // FIN, text
        if length < 126 {
            header.writeInteger(UInt8(length))
        } else if length <= Int(UInt16.max) {
            header.writeInteger(UInt8(126))
            header.writeInteger(UInt16(length))
        } else {
            header.writeInteger(UInt8(127))
            header.writeInteger(UInt64(length))
        }
        context.write(NIOAny(header), promise: nil)
        context.write(NIOAny(frame), promise: nil)
    }

    func flush() {
        if let context { context.flush() } else { channel.flush() }
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

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
