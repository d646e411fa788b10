import ChamberRealtime
import Foundation
import Testing

/// `Protocol/` is the source of truth of the socket protocol: every frame type the server knows is documented,
/// every example matches its schema, and client examples decode into the server's own type and round-trip.
/// (Every frame the server sends in the hub tests is also checked against these schemas by `WSTestClient`.)
@Suite("Protocol documents")
struct ProtocolDocumentTests {
    static let root = FrameSchemas.root
    static let serverTypes: Set<String> = [
        "welcome", "ack", "error", "subscribed", "recovery_incomplete", "history", "channels", "channel", "ok", "pong",
        "typing", "receipt", "presence", "channel_changed", "message", "message_edited", "message_deleted", "reaction",
        "moderated", "review_item", "review_queue", "moderation_notice", "notification", "notifications_read", "event_attendance",
    ]

    static func names(_ folder: String) -> Set<String> {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []
        return Set(files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) })
    }

    static func example(_ direction: String, _ type: String) throws -> (Data, JSON) {
        let data = try Data(contentsOf: root.appendingPathComponent("examples/\(direction)/\(type).json"))
        return (data, try JSON.parse(data))
    }

    @Test("every client frame type has a schema and an example, and nothing else does")
    func clientCoverage() {
        let kinds = Set(ClientRequestKind.allCases.map(\.rawValue))
        #expect(Self.names("schemas/client") == kinds)
        #expect(Self.names("examples/client") == kinds)
    }

    @Test("every server frame type has a schema and an example")
    func serverCoverage() {
        #expect(Self.names("schemas/server") == Self.serverTypes)
        #expect(Self.names("examples/server") == Self.serverTypes)
    }

    @Test("client examples validate, decode into the server's frame type and round-trip", arguments: ClientRequestKind.allCases.map(\.rawValue))
    func clientExample(_ type: String) throws {
        let (data, json) = try Self.example("client", type)
        #expect(FrameSchemas.check(json, direction: "client").isEmpty, "\(FrameSchemas.check(json, direction: "client"))")
        let frame = try DecodedFrame.decode(Array(data))
        #expect(Swift.type(of: frame.request).kind.rawValue == type)
        let again = try JSON.parse(try WireCoding.encoder.encode(frame))
        #expect(again == json, "decoding and encoding \(type) changes it: \(again)")
    }

    @Test("server examples validate against their schemas", arguments: serverTypes.sorted())
    func serverExample(_ type: String) throws {
        let (_, json) = try Self.example("server", type)
        #expect(json["type"].string == type)
        #expect(FrameSchemas.check(json, direction: "server").isEmpty, "\(FrameSchemas.check(json, direction: "server"))")
    }

    @Test("the prose spec names every frame type and close code")
    func spec() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("websocket.md"), encoding: .utf8)
        for type in Set(ClientRequestKind.allCases.map(\.rawValue)).union(Self.serverTypes) {
            #expect(text.contains("`\(type)`"), "websocket.md does not mention `\(type)`")
        }
        for code in CloseCode.allCases { #expect(text.contains(String(code.rawValue)), "websocket.md does not mention close code \(code.rawValue)") }
    }
}
