import NIOCore
import NIOWebSocket

/// Client frames from a socket's bytes (RFC 6455 §5.2), with the checks of NIO's `WebSocketFrameDecoder`, as a value
/// the session handler keeps instead of a `ByteToMessageHandler` in the pipeline (some 450 bytes per socket).
///
/// Between frames it holds nothing: the receive buffer is let go as soon as its frames are read, so an idle socket
/// keeps no bytes here. Only a frame cut across reads waits in ``pending``.
struct WebSocketFrameParser {
    /// The longest frame accepted; longer ones fail with `invalidFrameLength` as soon as the length is read.
    let maxFrameSize: Int
    /// Bytes of a frame not yet whole; nil between frames.
    private(set) var pending: ByteBuffer?
    /// Set after a failure: the rest of the stream is not read.
    private var failed = false

    init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    /// Adds bytes read from the socket.
    mutating func append(_ bytes: ByteBuffer) {
        guard !failed, bytes.readableBytes > 0 else { return }
        if pending == nil {
            pending = bytes
        } else {
            pending!.writeImmutableBuffer(bytes)
        }
    }

    /// The next whole frame, or nil until more bytes arrive. Throws what NIO's decoder throws: `invalidFrameLength`
    /// (too long), `fragmentedControlFrame`, `multiByteControlFrameLength`; after that it returns nil for good.
    mutating func next() throws(NIOWebSocketError) -> WebSocketFrame? {
        guard !failed, var buffer = pending, buffer.readableBytes >= 2 else { return nil }
        let start = buffer.readerIndex
        let first = buffer.getInteger(at: start, as: UInt8.self)!
        let second = buffer.getInteger(at: start + 1, as: UInt8.self)!
        var headerLength = 2
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let word = buffer.getInteger(at: start + 2, as: UInt16.self) else { return nil }
            length = Int(word)
            headerLength = 4
        } else if length == 127 {
            guard let qword = buffer.getInteger(at: start + 2, as: UInt64.self) else { return nil }
            guard qword <= UInt64(Int.max) else { throw fail(.invalidFrameLength) }
            length = Int(qword)
            headerLength = 10
        }
        guard length <= maxFrameSize else { throw fail(.invalidFrameLength) }
        let isControl = first & 0x08 != 0
        if isControl, first & 0x80 == 0 { throw fail(.fragmentedControlFrame) }
        if isControl, length > 125 { throw fail(.multiByteControlFrameLength) }
        var maskKey: WebSocketMaskingKey?
        if second & 0x80 != 0 {
            guard let key = buffer.viewBytes(at: start + headerLength, length: 4) else { return nil }
            maskKey = WebSocketMaskingKey(key)
            headerLength += 4
        }
        guard buffer.readableBytes >= headerLength + length else { return nil }
        buffer.moveReaderIndex(forwardBy: headerLength)
        let data = buffer.readSlice(length: length)!
        pending = buffer.readableBytes == 0 ? nil : buffer
        return WebSocketFrame(
            fin: first & 0x80 != 0, rsv1: first & 0x40 != 0, rsv2: first & 0x20 != 0, rsv3: first & 0x10 != 0,
            opcode: WebSocketOpcode(encodedWebSocketOpcode: first & 0x0F)!, maskKey: maskKey, data: data)
    }

    private mutating func fail(_ error: NIOWebSocketError) -> NIOWebSocketError {
        failed = true
        pending = nil
        return error
    }
}
