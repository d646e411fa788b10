import NIOCore
import NIOWebSocket
import Testing

@testable import ChamberHTTP

/// Client frames from bytes as they come off a socket, in pieces: a table of byte streams and what comes out.
@Suite("WebSocket frame parser")
struct WebSocketFrameParserTests {
    /// A masked client frame (RFC 6455 §5.2) with `length` bytes of payload.
    static func clientFrame(fin: Bool = true, opcode: UInt8 = 0x1, length: Int, masked: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if length < 126 {
            bytes.append(maskBit | UInt8(length))
        } else if length <= 65_535 {
            bytes += [maskBit | 126, UInt8(length >> 8), UInt8(length & 0xFF)]
        } else {
            bytes.append(maskBit | 127)
            bytes += (0..<8).reversed().map { UInt8((length >> ($0 * 8)) & 0xFF) }
        }
        let key: [UInt8] = [1, 2, 3, 4]
        if masked { bytes += key }
        bytes += (0..<length).map { index in UInt8(0x61) ^ (masked ? key[index % 4] : 0) }
        return bytes
    }

    @Test(
        "a frame comes out whole however its bytes are cut, with its payload length and mask",
        arguments: [0, 1, 125, 126, 65_535, 65_536],
        [1, 2, 3, 7, 1 << 20])
    func pieces(_ length: Int, _ pieceSize: Int) throws {
        var parser = WebSocketFrameParser(maxFrameSize: 1 << 20)
        let bytes = Self.clientFrame(length: length) + Self.clientFrame(opcode: 0x9, length: 3)
        var frames: [WebSocketFrame] = []
        var index = 0
        while index < bytes.count {
            parser.append(ByteBuffer(bytes: bytes[index..<min(index + pieceSize, bytes.count)]))
            while let frame = try parser.next() { frames.append(frame) }
            index += pieceSize
        }
        #expect(frames.count == 2)
        #expect(frames.first?.opcode == .text && frames.first?.fin == true && frames.first?.maskKey != nil)
        #expect(frames.first.map { Array($0.unmaskedData.readableBytesView) } == Array(repeating: 0x61, count: length))
        #expect(frames.last?.opcode == .ping && frames.last?.data.readableBytes == 3)
        #expect(parser.pending == nil, "nothing is held between frames")
    }

    @Test(
        "frames NIO's decoder refuses are refused the same way, and nothing after them is read",
        arguments: [
            (clientFrame(length: 1_001), NIOWebSocketError.invalidFrameLength),
            (clientFrame(length: 70_000), .invalidFrameLength),
            ([0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0], .invalidFrameLength),
            (clientFrame(fin: false, opcode: 0x9, length: 1), .fragmentedControlFrame),
            (clientFrame(opcode: 0x8, length: 126), .multiByteControlFrameLength),
        ])
    func refused(_ bytes: [UInt8], _ error: NIOWebSocketError) throws {
        var parser = WebSocketFrameParser(maxFrameSize: 1_000)
        parser.append(ByteBuffer(bytes: bytes))
        var thrown: NIOWebSocketError?
        do { _ = try parser.next() } catch { thrown = error }
        #expect(thrown == error)
        parser.append(ByteBuffer(bytes: Self.clientFrame(length: 1)))
        #expect(try parser.next() == nil, "nothing after a refused frame is read")
    }

    @Test("an unmasked frame and reserved bits come through as sent: the assembler refuses them with 1002")
    func passedOn() throws {
        var parser = WebSocketFrameParser(maxFrameSize: 100)
        parser.append(ByteBuffer(bytes: Self.clientFrame(length: 2, masked: false) + [0xC1, 0x80, 1, 2, 3, 4]))
        let unmasked = try #require(try parser.next())
        #expect(unmasked.maskKey == nil)
        let reserved = try #require(try parser.next())
        #expect(reserved.rsv1 && !reserved.rsv2 && reserved.opcode == .text)
    }
}
