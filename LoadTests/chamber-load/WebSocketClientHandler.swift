import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// What a ``WebSocketClientHandler`` reports, on its channel's event loop.
protocol WebSocketClientDelegate: AnyObject {
    func webSocketOpened(_ handler: WebSocketClientHandler)
    func webSocket(_ handler: WebSocketClientHandler, text: UnsafeRawBufferPointer)
    func webSocket(_ handler: WebSocketClientHandler, closedWith code: UInt16?)
    func webSocket(_ handler: WebSocketClientHandler, failed reason: String)
}

/// A minimal WebSocket client over one TCP channel: the HTTP upgrade, then frames (RFC 6455). Server frames are
/// unmasked; client frames are masked. Pings are answered. One handler per connection, no task per connection:
/// thousands of them share one event loop. Used on that loop only (hence the unchecked Sendable).
final class WebSocketClientHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State { case upgrading, open, closed }

    private let requestHead: String
    private weak var delegate: (any WebSocketClientDelegate)?
    private var state = State.upgrading
    private var received: ByteBuffer?
    private var fragments: ByteBuffer?
    private var context: ChannelHandlerContext?
    private var maskSeed: UInt32

    init(host: String, path: String, token: String, delegate: any WebSocketClientDelegate, seed: UInt32) {
        requestHead =
            "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer \(token)\r\n\r\n"
        self.delegate = delegate
        self.maskSeed = seed | 1
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: requestHead)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if state != .closed {
            state = .closed
            delegate?.webSocket(self, closedWith: nil)
        }
        self.context = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if state != .closed {
            state = .closed
            delegate?.webSocket(self, failed: LoadFailure.describe(error))
        }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if received == nil { received = incoming } else { received!.writeBuffer(&incoming) }
        if state == .upgrading {
            guard let view = received?.readableBytesView, let end = view.firstRange(of: [13, 10, 13, 10]) else { return }
            let headLength = view.distance(from: view.startIndex, to: end.upperBound)
            let head = received!.readString(length: headLength) ?? ""
            guard head.hasPrefix("HTTP/1.1 101") else {
                state = .closed
                let status = head.split(separator: "\r\n").first.map(String.init) ?? "no status"
                delegate?.webSocket(self, failed: "upgrade refused: \(status)")
                context.close(promise: nil)
                return
            }
            state = .open
            delegate?.webSocketOpened(self)
        }
        while state == .open, let frame = nextFrame() {
            handle(frame)
        }
        if let buffer = received, buffer.readableBytes == 0 { received = nil } else { received?.discardReadBytes() }
    }

    private struct Frame {
        let fin: Bool
        let opcode: UInt8
        var payload: ByteBuffer
    }

    /// The next complete frame in `received`, or nil until more bytes arrive.
    private func nextFrame() -> Frame? {
        guard var buffer = received, buffer.readableBytes >= 2,
            let first = buffer.readInteger(as: UInt8.self), let second = buffer.readInteger(as: UInt8.self)
        else { return nil }
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let extended = buffer.readInteger(as: UInt16.self) else { return nil }
            length = Int(extended)
        } else if length == 127 {
            guard let extended = buffer.readInteger(as: UInt64.self) else { return nil }
            length = Int(extended)
        }
        let masked = second & 0x80 != 0
        var mask: [UInt8] = []
        if masked {
            guard let key = buffer.readBytes(length: 4) else { return nil }
            mask = key
        }
        guard var payload = buffer.readSlice(length: length) else { return nil }
        received = buffer
        if masked {
            payload = ByteBuffer(bytes: payload.readableBytesView.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        }
        return Frame(fin: first & 0x80 != 0, opcode: first & 0x0F, payload: payload)
    }

    private func handle(_ frame: Frame) {
        switch frame.opcode {
        case 0x1, 0x0:
            var payload = frame.payload
            if !frame.fin || fragments != nil {
                if fragments == nil { fragments = payload } else { fragments!.writeBuffer(&payload) }
                guard frame.fin, let whole = fragments else { return }
                fragments = nil
                payload = whole
            }
            payload.withUnsafeReadableBytes { delegate?.webSocket(self, text: $0) }
        case 0x9:
            write(opcode: 0xA, payload: frame.payload.readableBytesView)
        case 0x8:
            let code = frame.payload.getInteger(at: frame.payload.readerIndex, as: UInt16.self)
            if state != .closed {
                state = .closed
                delegate?.webSocket(self, closedWith: code)
            }
            write(opcode: 0x8, payload: frame.payload.readableBytesView.prefix(2))
            context?.close(promise: nil)
        default:
            break
        }
    }

    /// Sends a text frame now.
    func send(_ text: String) {
        write(opcode: 0x1, payload: text.utf8)
    }

    /// Closes with a close frame (as a client that leaves on purpose).
    func close(code: UInt16 = 1000) {
        guard state == .open else { context?.close(promise: nil); return }
        state = .closed
        var payload = ByteBuffer()
        payload.writeInteger(code)
        write(opcode: 0x8, payload: payload.readableBytesView)
        context?.close(promise: nil)
    }

    private func write(opcode: UInt8, payload: some Collection<UInt8>) {
        guard let context else { return }
        let length = payload.count
        var frame = context.channel.allocator.buffer(capacity: length + 14)
        frame.writeInteger(0x80 | opcode)
        if length < 126 {
            frame.writeInteger(UInt8(0x80 | length))
        } else if length <= 0xFFFF {
            frame.writeInteger(UInt8(0x80 | 126))
            frame.writeInteger(UInt16(length))
        } else {
            frame.writeInteger(UInt8(0x80 | 127))
            frame.writeInteger(UInt64(length))
        }
        // xorshift: masks need not be secret here, only present.
        maskSeed ^= maskSeed << 13
        maskSeed ^= maskSeed >> 17
        maskSeed ^= maskSeed << 5
        let mask = withUnsafeBytes(of: maskSeed.bigEndian) { Array($0) }
        frame.writeBytes(mask)
        var index = 0
        for byte in payload {
            frame.writeInteger(byte ^ mask[index & 3])
            index += 1
        }
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }
}

/// Short, countable names for why a connection failed.
enum LoadFailure {
    static func describe(_ error: any Error) -> String {
        if let io = error as? IOError {
            switch io.errnoCode {
            case EMFILE, ENFILE: return "open-file limit reached (EMFILE): use more workers"
            case ECONNREFUSED: return "connection refused"
            case EADDRNOTAVAIL: return "no free source port (EADDRNOTAVAIL): use more source addresses"
            case ECONNRESET: return "connection reset"
            case ETIMEDOUT: return "timed out"
            default: return "errno \(io.errnoCode)"
            }
        }
        if error is ChannelError { return "channel error: \(error)" }
        return String(describing: error).prefix(80).description
    }
}
