import ChamberRealtime
import NIOCore
import NIOPosix
import NIOWebSocket

/// The hub's view of an upgraded socket: writes text frames at the head of the NIO pipeline (below the session
/// handler, which keeps pings and the close handshake), and reports writability changes to the connection.
///
/// Installed at the head of the pipeline, so it sees writability first and its writes skip every handler above it:
/// it frames the text itself (see ``framed(_:)``) and hands the frame straight to the socket's write queue.
/// The session handler frames its own (``ServerFrame``); both are written whole, on the event loop, so they never
/// interleave.
final class ChannelFrameSink: ChannelInboundHandler, FrameSink, Sendable {
    typealias InboundIn = NIOAny

    /// What only the channel's event loop touches: the pipeline position, and the connection told of writability.
    private struct OnLoop {
        var context: ChannelHandlerContext?
        var connection: ClientConnection?
        /// Set when the close frame is about to go: nothing of the hub may follow it (RFC 6455 §5.5.1).
        var sealed = false
    }

    private let channel: any Channel
    private let onLoop: NIOLoopBoundBox<OnLoop>

    init(channel: any Channel) {
        self.channel = channel
        self.onLoop = NIOLoopBoundBox.makeBoxSendingValue(OnLoop(), eventLoop: channel.eventLoop)
    }

    var eventLoop: any EventLoop { channel.eventLoop }
    var isWritable: Bool { channel.isWritable }

    /// Without a context the handler has left the pipeline: the channel is closing, and the frame goes nowhere.
    func write(_ frame: ByteBuffer) {
        // Read once (this runs per subscriber per frame), and not held: writing may change writability, whose
        // handler reads the box again.
        let state = onLoop.value
        guard !state.sealed, let context = state.context else { return }
        context.write(NIOAny(Self.framed(frame)), promise: nil)
    }

    func flush() {
        onLoop.value.context?.flush()
    }

    func handlerAdded(context: ChannelHandlerContext) { onLoop.value.context = context }

    /// Drops every later frame (on the event loop): the close frame is next.
    func seal() { onLoop.value.sealed = true }

    func handlerRemoved(context: ChannelHandlerContext) { onLoop.value.context = nil }

    func abort() { channel.close(promise: nil) }

    // MARK: Framing

    /// The payload this thread framed last, and its frame. A fan-out writes one payload to every subscriber on an
    /// event loop in a row, so it is framed once per loop: one buffer and one write per socket instead of a header
    /// allocation and two, and each loop writes its own copy of the bytes, so sockets on different loops never
    /// contend for one buffer's reference count.
    private final class LastFramed: @unchecked Sendable {
        // Unchecked: each instance belongs to one thread (it lives in a thread-specific variable).

        var payload: ByteBuffer?
        var framed: ByteBuffer?
    }

    private static let lastFramed = ThreadSpecificVariable<LastFramed>()
    private static let allocator = ByteBufferAllocator()

    /// The text frame carrying `payload` (``ServerFrame``).
    static func framed(_ payload: ByteBuffer) -> ByteBuffer {
        let last: LastFramed
        if let current = lastFramed.currentValue {
            last = current
        } else {
            last = LastFramed()
            lastFramed.currentValue = last
        }
        // The same storage and range is the same bytes: frames are never mutated once encoded, and the cache holds
        // the payload, so its storage cannot be freed and reused for another frame meanwhile.
        if let cached = last.payload, let framed = last.framed, cached.readableBytes == payload.readableBytes,
            cached.withUnsafeReadableBytes({ $0.baseAddress }) == payload.withUnsafeReadableBytes({ $0.baseAddress })
        {
            return framed
        }
        let frame = ServerFrame.encode(.text, payload, allocator: allocator)
        last.payload = payload
        last.framed = frame
        return frame
    }

    /// Starts reporting writability to `connection`. On the event loop.
    func attach(_ connection: ClientConnection) {
        onLoop.value.connection = connection
        if !channel.isWritable { connection.writabilityChanged(false) }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        onLoop.value.connection?.writabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }
}
