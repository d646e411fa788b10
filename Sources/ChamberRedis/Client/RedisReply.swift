/// A reply of a Redis server (RESP2), copied out of hiredis's reply object.
public enum RedisReply: Sendable, Equatable {
    case status(String)
    case error(String)
    case integer(Int64)
    /// A bulk string: bytes, not necessarily UTF-8.
    case bulk([UInt8])
    case null
    case array([RedisReply])

    /// The bulk or status text as UTF-8.
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }
}

/// Why a Redis call failed. `code` is stable (it appears on `/health` and in logs).
public struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Could not connect (refused, unreachable, timed out).
        case connectFailed = "redis_connect_failed"
        /// The connection broke or timed out mid-command.
        case io = "redis_io"
        /// The server sent something the client could not parse.
        case protocolError = "redis_protocol"
        /// The server answered with an error reply (for example a wrong password).
        case server = "redis_server_error"
        /// The URL is not a `redis://` URL this client understands.
        case badURL = "redis_bad_url"
        /// The connection was closed on purpose.
        case closed = "redis_closed"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
