import ChamberDomain
import ChamberJSON
import Foundation

/// A client frame decoded once: its `id` and its typed request.
///
/// Decoding reads the JSON once. The `id` is read first, so an error about the rest of the frame (a missing or
/// wrong-typed field, an unknown `type`) repeats it; only a frame that is not a JSON object has no `id` to repeat.
/// Field names in errors are the wire's (snake_case, `attachments[0].content_type`).
public struct DecodedFrame: Sendable {
    public let id: String?
    public let request: any ClientRequest

    /// A frame that could not be decoded: the error to answer, and the `id` to repeat, if the frame had one.
    public struct Failure: Error, Sendable {
        public let id: String?
        public let error: ChamberError
    }

    /// Decodes a text frame.
    public static func decode(_ bytes: some Collection<UInt8>) throws(Failure) -> DecodedFrame {
        let envelope: Envelope
        do {
            envelope =
                try bytes.withContiguousStorageIfAvailable { try WireJSONDecoder.decode(Envelope.self, from: UnsafeRawBufferPointer($0)) }
                ?? Array(bytes).withUnsafeBytes { try WireJSONDecoder.decode(Envelope.self, from: $0) }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(id: nil, error: Self.error(error))
        }
        switch envelope.outcome {
        case .success(let request): return DecodedFrame(id: envelope.id, request: request)
        case .failure(let error): throw Failure(id: envelope.id, error: error)
        }
    }

    /// The frame's outer fields, and the payload decoded in the same pass; a payload error is kept with the `id`.
    private struct Envelope: Decodable {
        let id: String?
        let outcome: Result<any ClientRequest, ChamberError>

        enum Keys: String, CodingKey { case type, id }

        init(from decoder: any Decoder) throws {
            let container: KeyedDecodingContainer<Keys>
            do {
                container = try decoder.container(keyedBy: Keys.self)
            } catch {
                throw Failure(id: nil, error: ChamberError(.malformedJSON, "a frame is one JSON object"))
            }
            do {
                id = try container.decodeIfPresent(String.self, forKey: .id)
            } catch {
                throw Failure(id: nil, error: ChamberError(.validationFailed, "id must be a string", field: "id"))
            }
            do {
                guard let type = try container.decodeIfPresent(String.self, forKey: .type) else {
                    throw ChamberError(.validationFailed, "every frame needs a type", field: "type")
                }
                guard let kind = ClientRequestKind(rawValue: type) else {
                    throw ChamberError(.unknownFrameType, "unknown frame type '\(type.prefix(40))'", field: "type")
                }
                outcome = .success(try kind.requestType.init(from: decoder))
            } catch let error as ChamberError {
                outcome = .failure(error)
            } catch {
                outcome = .failure(DecodedFrame.error(error))
            }
        }
    }

    /// A decoding failure as the protocol names it.
    static func error(_ error: any Error) -> ChamberError {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return ChamberError(.validationFailed, "\(field) is required", field: field)
        case DecodingError.typeMismatch(_, let context) where !context.codingPath.isEmpty,
            DecodingError.valueNotFound(_, let context) where !context.codingPath.isEmpty:
            let field = path(context.codingPath)
            return ChamberError(.validationFailed, "\(field) has the wrong type", field: field)
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
            let field = path(context.codingPath)
            return ChamberError(.validationFailed, "\(field) is not valid", field: field)
        case let error as ChamberError:
            return error
        default:
            return ChamberError(.malformedJSON, "a frame is one JSON object")
        }
    }

    /// `attachments[0].content_type`: keys as the wire spells them, array positions in brackets.
    static func path(_ keys: [any CodingKey]) -> String {
        var path = ""
        for key in keys {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return path
    }
}

extension DecodedFrame: Encodable {
    /// The frame as a client would send it (tests round-trip the protocol's examples through it).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Envelope.Keys.self)
        try container.encode(type(of: request).kind.rawValue, forKey: .type)
        try container.encodeIfPresent(id, forKey: .id)
        try request.encode(to: encoder)
    }
}
