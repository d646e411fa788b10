import NIOCore
import NIOWebSocket

/// Server-to-client WebSocket frames, written as bytes (RFC 6455 §5.2): FIN, the opcode, the payload length in 1, 3
/// or 9 bytes, and the payload unmasked, as a server sends it.
///
/// The socket's pipeline has no frame encoder: the hub's frames are framed once per fan-out (``ChannelFrameSink``),
/// and the session handler's own (pongs, pings, close frames, echoes) here.
enum ServerFrame {
    /// The header of a final frame of `opcode` carrying `length` bytes.
    static func header(_ opcode: WebSocketOpcode, length: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(0x80) | UInt8(webSocketOpcode: opcode))
        if length < 126 {
            buffer.writeInteger(UInt8(length))
        } else if length <= Int(UInt16.max) {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(length))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(length))
        }
    }

    /// A whole frame in one buffer (the payload copied after its header).
    static func encode(_ opcode: WebSocketOpcode, _ payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var frame = allocator.buffer(capacity: payload.readableBytes + 10)
        header(opcode, length: payload.readableBytes, into: &frame)
        frame.writeImmutableBuffer(payload)
        return frame
    }

    /// The close code for a frame the decoder refused (RFC 6455 §7.4.1).
    static func closeCode(for error: NIOWebSocketError) -> WebSocketErrorCode {
        switch error {
        case .invalidFrameLength: .messageTooLarge
        case .fragmentedControlFrame, .multiByteControlFrameLength: .protocolError
        }
    }
}
