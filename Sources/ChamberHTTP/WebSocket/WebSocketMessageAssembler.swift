import NIOCore
import NIOWebSocket

/// The receiving side of RFC 6455 on a server, as a value: frames in, what to do out. It joins fragments into
/// messages (bounded in bytes), checks UTF-8 as text arrives, answers pings, and enforces the frame rules a client
/// must keep: masked frames, no reserved bits or opcodes, close codes that may be sent (the lengths and the
/// fragmenting of control frames are ``WebSocketFrameParser``'s). It does no I/O; ``WebSocketSessionHandler`` carries out its actions.
struct WebSocketMessageAssembler {
    enum Action: Equatable {
        /// Nothing to do yet (a fragment was kept, a pong arrived).
        case none
        /// A whole text message (valid UTF-8).
        case text(ByteBuffer)
        /// A whole binary message.
        case binary(ByteBuffer)
        /// Answer a ping with this payload.
        case pong(ByteBuffer)
        /// The peer started the close handshake: answer with this code (the peer's, or 1000 when it gave none).
        case peerClosed(WebSocketErrorCode)
        /// The peer broke the protocol: close with this code and drop the connection.
        case fail(WebSocketErrorCode)
    }

    /// The largest message, all fragments together.
    let maxMessageBytes: Int
    private var fragments: (opcode: WebSocketOpcode, buffer: ByteBuffer)?
    private var validator = UTF8Validator()
    /// Set once a close was received or the protocol broken: later frames are ignored.
    private(set) var finished = false

    init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    mutating func receive(_ frame: WebSocketFrame) -> Action {
        guard !finished else { return .none }
        // A client masks every frame (§5.1), and with no extension negotiated the reserved bits are zero (§5.2).
        guard frame.maskKey != nil else { return fail(.protocolError) }
        guard !frame.rsv1, !frame.rsv2, !frame.rsv3 else { return fail(.protocolError) }
        switch frame.opcode {
        case .text, .binary:
            guard fragments == nil else { return fail(.protocolError) }  // a new message inside a fragmented one
            validator = UTF8Validator()
            return append(frame, opcode: frame.opcode, to: ByteBuffer())
        case .continuation:
            guard let (opcode, buffer) = fragments else { return fail(.protocolError) }  // nothing to continue
            fragments = nil
            return append(frame, opcode: opcode, to: buffer)
        case .ping:
            return .pong(frame.unmaskedData)
        case .pong:
            return .none
        case .connectionClose:
            return close(frame.unmaskedData)
        default:
            return fail(.protocolError)  // reserved opcodes
        }
    }

    private mutating func append(_ frame: WebSocketFrame, opcode: WebSocketOpcode, to message: ByteBuffer) -> Action {
        var message = message
        var data = frame.unmaskedData
        guard message.readableBytes + data.readableBytes <= maxMessageBytes else { return fail(.messageTooLarge) }
        if opcode == .text {
            let valid = data.withUnsafeReadableBytes { validator.feed($0) }
            guard valid else { return fail(.dataInconsistentWithMessage) }
        }
        if message.readableBytes == 0, frame.fin {
            message = data  // one frame, one message: no copy
        } else {
            message.writeBuffer(&data)
        }
        guard frame.fin else {
            fragments = (opcode, message)
            return .none
        }
        if opcode == .text {
            guard validator.isComplete else { return fail(.dataInconsistentWithMessage) }
            return .text(message)
        }
        return .binary(message)
    }

    /// A close frame: no body, or a code that may be sent on the wire and a UTF-8 reason (§5.5.1, §7.4).
    private mutating func close(_ payload: ByteBuffer) -> Action {
        var payload = payload
        finished = true
        guard payload.readableBytes > 0 else { return .peerClosed(.normalClosure) }
        guard let raw = payload.readInteger(as: UInt16.self) else { return fail(.protocolError) }
        guard Self.maySend(raw) else { return fail(.protocolError) }
        var reason = UTF8Validator()
        let valid = payload.withUnsafeReadableBytes { reason.feed($0) } && reason.isComplete
        guard valid else { return fail(.dataInconsistentWithMessage) }
        return .peerClosed(WebSocketErrorCode(codeNumber: Int(raw)))
    }

    /// Close codes an endpoint may put in a close frame: the defined ones but 1004-1006 and 1015, and 3000-4999.
    static func maySend(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1011: true
        case 3000...4999: true
        default: false
        }
    }

    private mutating func fail(_ code: WebSocketErrorCode) -> Action {
        finished = true
        fragments = nil
        return .fail(code)
    }
}
