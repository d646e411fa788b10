import ChamberDomain
import ChamberJSON
import Foundation
import Hummingbird
import NIOCore

/// JSON as the REST API speaks it: snake_case keys, ISO 8601 instants.
enum APIJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The same JSON as ``encoder`` writes, in one pass and about three times faster: keys in the order the type
    /// writes them rather than sorted, and a dictionary's keys sorted. A directory page of 50 businesses spent half
    /// the server's time in Foundation's encoder.
    static let bytesEncoder = JSONBytesEncoder(keys: .snakeCase, date: { $0.iso8601Seconds }, sortsDictionaryKeys: true)

    /// `value` as the API writes it: by ``bytesEncoder``, or by Foundation's encoder for what that one leaves to it.
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        try bytesEncoder.encode(value, orElse: encoder)
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Reads and decodes a request body, turning every failure into a typed client error. `using` is for bodies
    /// whose types spell the wire's snake_case keys themselves (shared with the socket).
    static func decode<T: Decodable>(
        _ type: T.Type, from request: Request, context: AppRequestContext, using decoder: JSONDecoder = decoder
    ) async throws -> T {
        guard let value = try await decodeIfPresent(type, from: request, context: context, using: decoder) else {
            throw ChamberError(.malformedJSON, "request body is empty; send a JSON object")
        }
        return value
    }

    /// As ``decode(_:from:context:using:)`` for a body that may be left out: nil when it is empty.
    static func decodeIfPresent<T: Decodable>(
        _ type: T.Type, from request: Request, context: AppRequestContext, using decoder: JSONDecoder = decoder
    ) async throws -> T? {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw ChamberError(.payloadTooLarge, "request body is larger than \(context.maxUploadSize) bytes")
        }
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw problem(error)
        }
    }

    /// What a decoding failure tells the client: the field and what is wrong with it, in our words. The decoder's own
    /// text names Swift types ("Cannot initialize ModerationAction from invalid String value …") and is never shown.
    static func problem(_ error: any Error) -> ChamberError {
        switch error {
        case let error as ChamberError:
            return error
        case DecodingError.keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return ChamberError(.validationFailed, "\(field) is required", field: field)
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let field = path(context.codingPath)
            return ChamberError(.validationFailed, "\(field.isEmpty ? "body" : field) has the wrong type", field: field.isEmpty ? nil : field)
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
            let field = path(context.codingPath)
            return ChamberError(.validationFailed, "\(field) is not a value it takes; see the API description", field: field)
        default:
            return ChamberError(.malformedJSON, "request body is not valid JSON")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { key in key.intValue.map { "[\($0)]" } ?? snakeCase(key.stringValue) }.joined(separator: ".")
    }

    static func snakeCase(_ string: String) -> String {
        var result = ""
        for character in string {
            if character.isUppercase {
                if !result.isEmpty { result.append("_") }
                result += character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// A JSON response with a status.
struct JSONResponse<Body: Encodable>: ResponseGenerator {
    let status: HTTPResponse.Status
    let body: Body

    init(_ status: HTTPResponse.Status = .ok, _ body: Body) {
        self.status = status
        self.body = body
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse<Never>.encoded(status, ByteBuffer(bytes: try APIJSON.encode(body)))
    }
}

extension JSONResponse where Body == Never {
    /// A response of JSON already written.
    static func encoded(_ status: HTTPResponse.Status, _ json: ByteBuffer) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: json))
    }
}

/// A body that a field-by-field PATCH decodes: absent keys stay `nil`, explicit `null` becomes `.some(nil)`.
extension KeyedDecodingContainer {
    func decodePatch<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T?? {
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) { return .some(nil) }
        return .some(try decode(T.self, forKey: key))
    }
}

extension Request {
    /// Path parameter parsed as an identifier; a malformed one answers `invalid_identifier`.
    func id<E>(_ name: String, context: AppRequestContext, as: Identifier<E>.Type = Identifier<E>.self) throws -> Identifier<E> {
        let raw = context.parameters.get(name) ?? ""
        return try Validate.identifier(raw, as: Identifier<E>.self, field: APIJSON.snakeCase(name))
    }

    /// The `limit` and `cursor` query parameters.
    func page() throws -> PageRequest {
        try PageRequest(limit: uri.queryParameters.get("limit"), cursor: uri.queryParameters.get("cursor"))
    }

    /// The `limit` and `cursor` query parameters of a listing paged by key: the key when the cursor is one, else
    /// the page by offset (an offset cursor, or none).
    func page<Cursor: KeyCursor>(keyedBy: Cursor.Type) throws -> (PageRequest, Cursor?) {
        let cursor = uri.queryParameters.get("cursor")
        guard Cursor.isKey(cursor), let cursor else { return (try page(), nil) }
        return (try PageRequest(limit: uri.queryParameters.get("limit"), cursor: nil), try Cursor(text: cursor))
    }
}
