import ChamberDomain
import ChamberJSON
import Foundation
import NIOCore

/// JSON as the WebSocket protocol speaks it: snake_case keys, ISO 8601 instants with milliseconds.
public enum WireCoding {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.iso8601Milliseconds)
        }
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// The same JSON in one pass (see ``JSONBytesEncoder``).
    static let oneShot = JSONBytesEncoder(keys: .snakeCase, date: { $0.iso8601Milliseconds })

    /// Encodes a server frame once, into a buffer that every recipient shares: in one pass, or by Foundation's
    /// encoder for what that one does not write.
    public static func encode(_ frame: some Encodable) -> ByteBuffer {
        do {
            return ByteBuffer(bytes: try oneShot.encode(frame, orElse: encoder))
        } catch {
            return ByteBuffer(string: #"{"type":"error","code":"internal_error","message":"frame could not be encoded"}"#)
        }
    }
}
