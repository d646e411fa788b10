import ChamberDomain
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Renders every failure as `{"error": {"code", "message", "field"?}}` with the status its kind implies.
/// Unexpected errors are logged with the request id and answered with `internal_error`, never with their details.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ChamberError {
            if error.code.kind == .internalFailure { context.logger.error("request failed", metadata: ["error": "\(error)"]) }
            return Self.response(for: error)
        } catch let error as HTTPError {
            let code: ChamberError.Code =
                switch error.status {
                case .notFound: .notFound
                case .contentTooLarge: .payloadTooLarge
                case .methodNotAllowed: .methodNotAllowed
                case .unauthorized: .unauthenticated
                default: error.status.code < 500 ? .badRequest : .internalError
                }
            var response = Self.response(for: ChamberError(code, error.body ?? error.status.reasonPhrase))
            response.status = error.status
            return response
        } catch {
            context.logger.error("request failed unexpectedly", metadata: ["error": "\(String(reflecting: error))"])
            return Self.response(for: ChamberError(.internalError, "the server failed to handle this request; it has been logged as \(context.id)"))
        }
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
            let field: String?
        }
        let error: Detail
    }

    /// The error body as JSON bytes.
    static func body(for error: ChamberError) -> Data {
        (try? APIJSON.encoder.encode(Body(error: .init(code: error.code.rawValue, message: error.message, field: error.field)))) ?? Data()
    }

    static func response(for error: ChamberError) -> Response {
        let data = body(for: error)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retry = error.retryAfterSeconds { headers[.retryAfter] = "\(retry)" }
        return Response(status: status(error.code.kind), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func status(_ kind: ChamberError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .invalidRequest: .badRequest
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .internalFailure: .internalServerError
        case .upgradeRequired: HTTPResponse.Status(code: 426, reasonPhrase: "Upgrade Required")
        case .paymentRequired: HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required")
        }
    }
}

/// Echoes the request id (`hb.request.id` in the logs) as `X-Request-Id`, so a client can quote it to support.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let header = HTTPField.Name("X-Request-Id")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[Self.header] = context.id
        return response
    }
}
