import ChamberDomain
import Foundation
import NIOCore
import Testing

@testable import ChamberJSON
@testable import ChamberRealtime

/// The one-pass encoder against Foundation's, configured as the wire's is: the same JSON for every kind of frame
/// (compared as parsed values: neither promises an order of keys), the same bytes for strings, and Foundation's
/// encoder whenever the one-pass encoder cannot write a value.
@Suite("One-pass JSON encoder")
struct JSONBytesEncoderTests {
    static let at = Date(timeIntervalSince1970: 1_763_900_000.123)

    static func message(
        data: JSONValue?, attachments: [ChamberDomain.Attachment] = [], reactions: [String: [UserID]] = [:], edited: Bool = false
    ) -> Message {
        Message(
            id: .generate(), chamberID: .generate(), channelID: .generate(), seq: 42, senderID: .generate(), clientMessageID: "c-1",
            body: "Quote \"this\", a\\b, tab\t, newline\n, bell\u{7}, é 😀 </script>", replyTo: edited ? .generate() : nil,
            mentions: [.generate()], attachments: attachments, data: data, reactions: reactions, createdAt: at,
            editedAt: edited ? at.addingTimeInterval(5) : nil)
    }

    /// Frames of every shape the hot path and the rest of the protocol send.
    static let frames: [(String, any Encodable & Sendable)] = [
        (
            "message event, plain",
            EventFrame(ChannelEvent(chamberID: .generate(), channelID: .generate(), seq: 1, at: at, body: .message(message(data: nil))))
        ),
        (
            "message event, data with camelCase keys, big integers, doubles, nesting",
            EventFrame(
                ChannelEvent(
                    chamberID: .generate(), channelID: .generate(), seq: 9_007_199_254_740_993, at: at,
                    body: .edited(
                        message(
                            data: .object([
                                "sentAtNanos": .int(1_763_900_000_123_456_789), "ratio": .double(0.1), "whole": .double(100),
                                "list": .array([.null, .bool(true), .string("x/y"), .object(["innerKey": .int(-1)])]),
                            ]),
                            attachments: [
                                ChamberDomain.Attachment(url: "https://x.example/a.pdf", contentType: "application/pdf", size: 482_113, name: nil)
                            ],
                            reactions: ["👍": [.generate(), .generate()], "partyPopper": [.generate()]], edited: true))))
        ),
        (
            "reaction event",
            EventFrame(
                ChannelEvent(
                    chamberID: .generate(), channelID: .generate(), seq: 3, at: at,
                    body: .reaction(messageID: .generate(), userID: .generate(), emoji: "🎉", added: false)))
        ),
        (
            "ack, published",
            AckFrame(
                id: "r1", channelId: "ch", clientMessageId: "c-1", status: "published", messageId: "m", seq: 7, duplicate: true, reason: nil)
        ),
        (
            "ack, held",
            AckFrame(id: nil, channelId: "ch", clientMessageId: "c-2", status: "held", messageId: nil, seq: nil, duplicate: false, reason: "links")
        ),
        ("error", ErrorFrame(id: "r2", ChamberError(.slowMode, "slow mode: one message every 60 seconds", field: "body", retryAfterSeconds: 12))),
        (
            "presence",
            PresenceFrame(
                id: nil, channelId: nil, onlineCount: 2, users: [.init(userId: "u1", status: "online"), .init(userId: "u2", status: "away")],
                nextCursor: nil)
        ),
        ("history, empty", HistoryFrame(id: "h", channelId: "ch", messages: [])),
        ("ok with a rewrite", OkFrame(id: "o", seq: 4, rewrite: nil)),
        ("channel changed", ChannelChangedFrame(channelId: "ch")),
    ]

    static func foundation(_ frame: some Encodable) throws -> Data { try WireCoding.encoder.encode(frame) }

    static func parsed(_ bytes: some Sequence<UInt8>) throws -> NSObject {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) as? NSObject)
    }

    @Test("every frame encodes to the same JSON as Foundation's encoder wrote", arguments: frames.indices)
    func sameJSON(_ index: Int) throws {
        let (name, frame) = Self.frames[index]
        let fast = try WireCoding.oneShot.encode(frame)
        let expected = try Self.foundation(frame)
        #expect(
            try Self.parsed(fast) == Self.parsed(expected),
            "\(name):\n\(String(decoding: fast, as: UTF8.self))\n\(String(decoding: expected, as: UTF8.self))")
    }

    @Test(
        "strings and numbers are written byte for byte as Foundation writes them",
        arguments: [
            JSONValue.string("plain"), .string("quote \" backslash \\ slash / tab \t cr \r lf \n bs \u{8} ff \u{c}"),
            .string("\u{0}\u{1}\u{1f}\u{7f} é 😀 \u{2028}"), .int(.min), .int(.max), .int(0), .double(1.5), .double(-0.0), .double(100),
            .double(1e300), .double(1e-7), .double(0.1), .double(123_456_789.125), .bool(true), .null,
            .array([.int(1), .array([]), .object([:])]), .object(["key \"q\"/\t": .array([.null, .double(2.5), .string("é\u{1}")])]),
        ])
    func sameBytes(_ value: JSONValue) throws {
        #expect(
            String(decoding: try WireCoding.oneShot.encode([value]), as: UTF8.self) == String(decoding: try Self.foundation([value]), as: UTF8.self))
    }

    /// Every integer width and both floating-point types, at the top, in an array, under a key and optional.
    struct Numbers: Encodable {
        var int8: Int8 = -8
        var int16: Int16 = -16
        var int32: Int32 = -32
        var uint: UInt = 1
        var uint8: UInt8 = 8
        var uint16: UInt16? = 1_000
        var uint32: UInt32 = 32
        var uint64: UInt64 = .max
        var float: Float = 0.1
        var bigFloat: Float = 16_777_216
        var small: [Int8] = [1, -2]
        var floats: [Float] = [0.1, 2.5]
        var unsigned: [UInt16] = [7]
    }

    @Test("integers of every width and floats are written as Foundation writes them (none loops back into the generic path)")
    func numbers() throws {
        #expect(try Self.parsed(try WireCoding.oneShot.encode(Numbers())) == Self.parsed(try Self.foundation(Numbers())))
        let floats: [Float] = [0.1, 16_777_216, 1e-8, 3.4e38]
        #expect(
            String(decoding: try WireCoding.oneShot.encode(floats), as: UTF8.self) == String(decoding: try Self.foundation(floats), as: UTF8.self))
        #expect(String(decoding: try WireCoding.oneShot.encode(Int32(-5)), as: UTF8.self) == "-5")
        #expect(String(decoding: try WireCoding.oneShot.encode(UInt8(255)), as: UTF8.self) == "255")
    }

    /// A value whose encoding writes into its container after a nested one it left.
    struct Interleaved: Encodable {
        enum Keys: String, CodingKey { case outer, inner, after }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var nested = container.nestedContainer(keyedBy: Keys.self, forKey: .outer)
            try container.encode(1, forKey: .after)
            try nested.encode(2, forKey: .inner)
        }
    }

    struct WithData: Encodable {
        let blob = Data([1, 2, 3])
    }

    @Test("what it cannot write it refuses, and the wire falls back to Foundation's encoder")
    func fallsBack() throws {
        #expect(throws: JSONBytesEncoder.Unsupported.self) { try WireCoding.oneShot.encode(Interleaved()) }
        #expect(throws: JSONBytesEncoder.Unsupported.self) { try WireCoding.oneShot.encode(WithData()) }
        let wire = WireCoding.encode(WithData())
        #expect(try Self.parsed(wire.readableBytesView) == Self.parsed(try Self.foundation(WithData())))
        #expect(throws: EncodingError.self) { try WireCoding.oneShot.encode([Double.nan]) }
    }

    @Test("keys are converted to snake_case by Foundation's rules, acronyms included")
    func snakeCase() {
        for (key, expected) in [("channelId", "channel_id"), ("myURLValue", "my_url_value"), ("tokenExpiresAt", "token_expires_at"), ("id", "id")] {
            #expect(String(decoding: JSONBytesEncoder.SnakeCase.bytes(of: key), as: UTF8.self) == "\"\(expected)\"")
        }
    }

    @Test("as storage writes it (keys as named, instants as seconds since 2001), Foundation's decoder reads back the same value")
    func storedRoundTrip() throws {
        let event = ChannelEvent(
            chamberID: .generate(), channelID: .generate(), seq: 5, at: Self.at,
            body: .edited(Self.message(data: .object(["sentAt": .double(1.25), "n": .int(.max)]), reactions: ["👍": [.generate()]], edited: true)))
        let bytes = try JSONBytesEncoder().encode(event.body)
        #expect(try JSONDecoder().decode(ChannelEvent.Body.self, from: Data(bytes)) == event.body)
        #expect(try Self.parsed(bytes) == Self.parsed(try JSONEncoder().encode(event.body)))
    }
}
