import NIOCore
import NIOWebSocket
import Testing

@testable import ChamberHTTP

/// Server frames as RFC 6455 §5.2 lays them out.
@Suite("Server frames")
struct ServerFrameTests {
    @Test(
        "the header holds FIN, the opcode and the length in 1, 3 or 9 bytes; the payload follows unmasked",
        arguments: [
            (WebSocketOpcode.text, 0, [0x81, 0x00] as [UInt8]),
            (.text, 125, [0x81, 125]),
            (.text, 126, [0x81, 126, 0x00, 126]),
            (.binary, 65_535, [0x82, 126, 0xFF, 0xFF]),
            (.binary, 65_536, [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]),
            (.connectionClose, 2, [0x88, 2]),
            (.ping, 0, [0x89, 0]),
            (.pong, 4, [0x8A, 4]),
        ])
    func layout(_ opcode: WebSocketOpcode, _ length: Int, _ header: [UInt8]) {
        let payload = ByteBuffer(repeating: 0x61, count: length)
        let frame = ServerFrame.encode(opcode, payload, allocator: ByteBufferAllocator())
        #expect(Array(frame.readableBytesView.prefix(header.count)) == header)
        #expect(frame.readableBytes == header.count + length)
        #expect(frame.getSlice(at: frame.readerIndex + header.count, length: length) == payload)
    }

    @Test("a refused frame closes with the RFC's code: too long is 1009, a bad control frame 1002")
    func closeCodes() {
        #expect(ServerFrame.closeCode(for: .invalidFrameLength) == .messageTooLarge)
        #expect(ServerFrame.closeCode(for: .fragmentedControlFrame) == .protocolError)
        #expect(ServerFrame.closeCode(for: .multiByteControlFrameLength) == .protocolError)
    }

}
