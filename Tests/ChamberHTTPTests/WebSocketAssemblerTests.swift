import NIOCore
import NIOWebSocket
import Testing

@testable import ChamberHTTP

/// The receiving side of RFC 6455 as a table: frames in, actions out; no sockets.
@Suite("WebSocket message assembly and UTF-8")
struct WebSocketAssemblerTests {
    static let mask = WebSocketMaskingKey([1, 2, 3, 4])!

    /// A client frame (masked unless `masked` is false) carrying `bytes`.
    static func frame(_ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool = true, masked: Bool = true, rsv1: Bool = false) -> WebSocketFrame {
        var data = ByteBuffer(bytes: bytes)
        if masked { data.webSocketMask(mask) }
        return WebSocketFrame(fin: fin, rsv1: rsv1, opcode: opcode, maskKey: masked ? mask : nil, data: data)
    }

    static func text(_ string: String, fin: Bool = true) -> WebSocketFrame { frame(.text, Array(string.utf8), fin: fin) }

    static func run(_ frames: [WebSocketFrame], max: Int = 1 << 16) -> [WebSocketMessageAssembler.Action] {
        var assembler = WebSocketMessageAssembler(maxMessageBytes: max)
        return frames.map { assembler.receive($0) }
    }

    static func buffer(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

    @Test("whole and fragmented messages, control frames between fragments")
    func messages() {
        #expect(Self.run([Self.text("hello")]) == [.text(Self.buffer("hello"))])
        #expect(
            Self.run([Self.text("hel", fin: false), Self.frame(.ping, [9]), Self.frame(.continuation, Array("lo".utf8))])
                == [.none, .pong(ByteBuffer(bytes: [9])), .text(Self.buffer("hello"))])
        #expect(
            Self.run([Self.frame(.binary, [0, 255], fin: false), Self.frame(.continuation, [1])]) == [
                .none, .binary(ByteBuffer(bytes: [0, 255, 1])),
            ])
        #expect(Self.run([Self.frame(.pong, [])]) == [.none])
        // Many one-byte fragments make one message.
        let pieces =
            [Self.text("a", fin: false)] + Array(repeating: Self.frame(.continuation, [0x62], fin: false), count: 9_998) + [
                Self.frame(.continuation, [0x63])
            ]
        #expect(Self.run(pieces).last == .text(Self.buffer("a" + String(repeating: "b", count: 9_998) + "c")))
    }

    @Test(
        "protocol violations fail with the code RFC 6455 gives them",
        arguments: [
            ("unmasked frame", [frame(.text, Array("hi".utf8), masked: false)], WebSocketErrorCode.protocolError),
            ("reserved bit", [frame(.text, Array("hi".utf8), rsv1: true)], .protocolError),
            ("reserved opcode", [frame(WebSocketOpcode(encodedWebSocketOpcode: 3)!, [])], .protocolError),
            ("continuation with nothing to continue", [frame(.continuation, [1])], .protocolError),
            ("a new message inside a fragmented one", [text("a", fin: false), text("b")], .protocolError),
            ("invalid UTF-8", [frame(.text, [0xC0, 0xAF])], .dataInconsistentWithMessage),
            ("a surrogate", [frame(.text, [0xED, 0xA0, 0x80])], .dataInconsistentWithMessage),
            ("past U+10FFFF", [frame(.text, [0xF4, 0x90, 0x80, 0x80])], .dataInconsistentWithMessage),
            ("text ending inside a character", [frame(.text, [0x61, 0xE2, 0x82])], .dataInconsistentWithMessage),
            ("too large", [frame(.binary, Array(repeating: 1, count: 11))], .messageTooLarge),
            ("close with one byte", [frame(.connectionClose, [3])], .protocolError),
            ("close with a code that may not be sent", [frame(.connectionClose, [0x03, 0xED])], .protocolError),
            ("close reason not UTF-8", [frame(.connectionClose, [0x03, 0xE8, 0xFF])], .dataInconsistentWithMessage),
        ] as [(String, [WebSocketFrame], WebSocketErrorCode)])
    func violations(_ name: String, _ frames: [WebSocketFrame], _ code: WebSocketErrorCode) {
        #expect(Self.run(frames, max: 10).last == .fail(code), "\(name)")
    }

    @Test("UTF-8 is checked as it arrives: an invalid fragment fails before the message ends")
    func failFast() {
        let actions = Self.run([
            Self.frame(.text, [0x61], fin: false), Self.frame(.continuation, [0xCE, 0xBA, 0xE1, 0xBD], fin: false),
            Self.frame(.continuation, [0xF5], fin: false),
        ])
        #expect(actions == [.none, .none, .fail(.dataInconsistentWithMessage)])
        // A character split across fragments is fine.
        #expect(Self.run([Self.frame(.text, [0xCE], fin: false), Self.frame(.continuation, [0xBA])]).last == .text(ByteBuffer(bytes: [0xCE, 0xBA])))
    }

    @Test("close: no body answers 1000, a valid code is echoed, later frames are ignored")
    func close() {
        #expect(Self.run([Self.frame(.connectionClose, [])]) == [.peerClosed(.normalClosure)])
        #expect(
            Self.run([Self.frame(.connectionClose, [0x0F, 0xA0] + Array("bye".utf8)), Self.text("late")]) == [
                .peerClosed(WebSocketErrorCode(codeNumber: 4000)), .none,
            ])
    }

    @Test(
        "the UTF-8 validator against well-formed and ill-formed sequences",
        arguments: [
            ([0x24], true), ([0xC2, 0xA2], true), ([0xE2, 0x82, 0xAC], true), ([0xF0, 0x9F, 0x98, 0x80], true), ([0xEF, 0xBB, 0xBF], true),
            ([0xC0, 0x80], false), ([0xE0, 0x80, 0x80], false), ([0xF0, 0x80, 0x80, 0x80], false), ([0x80], false), ([0xFE], false),
            ([0xED, 0x9F, 0xBF], true), ([0xF4, 0x8F, 0xBF, 0xBF], true),
        ] as [([UInt8], Bool)])
    func utf8(_ bytes: [UInt8], _ valid: Bool) {
        var validator = UTF8Validator()
        let fed = bytes.withUnsafeBytes { validator.feed($0) }
        #expect((fed && validator.isComplete) == valid, "\(bytes)")
    }
}
