import CHiredis
import Foundation

/// One connection to a Redis server through hiredis's synchronous API.
///
/// Its calls block the calling thread, so a connection belongs to one dedicated thread (see ``RedisBroker``),
/// never to a NIO event loop or the cooperative pool. Arguments go through `redisAppendCommandArgv`, so they are
/// binary safe. Not thread safe: only ``shutdown()`` may be called from elsewhere (it wakes a blocked reader).
public final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>
    /// The socket, readable from any thread for ``shutdown()``.
    public let fileDescriptor: Int32

    /// Connects within `connectTimeout`; every later blocking read or write gives up after `ioTimeout`.
    public init(_ endpoint: RedisEndpoint, connectTimeout: Duration = .seconds(2), ioTimeout: Duration = .seconds(5)) throws(RedisError) {
        guard let context = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), Self.timeval(connectTimeout)) else {
            throw RedisError(.connectFailed, "out of memory")
        }
        if context.pointee.err != 0 {
            let reason = Self.errorString(context)
            redisFree(context)
            throw RedisError(.connectFailed, "\(endpoint): \(reason)")
        }
        self.context = context
        self.fileDescriptor = context.pointee.fd
        RedisReply.boundArrays(context.pointee.reader)
        _ = redisSetTimeout(context, Self.timeval(ioTimeout))
        _ = redisEnableKeepAlive(context)
        if let password = endpoint.password {
            try expectOK(command(endpoint.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]), "AUTH")
        }
        if endpoint.database != 0 {
            try expectOK(command(["SELECT", String(endpoint.database)]), "SELECT")
        }
    }

    deinit { redisFree(context) }

    /// Sends one command and waits for its reply. An error reply is returned as ``RedisReply/error(_:)``, not thrown.
    public func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        append(arguments.map { Array($0.utf8) })
        return try nextReply()
    }

    /// Queues a command in the output buffer (nothing is sent yet): pipelining appends many, then reads their replies.
    public func append(_ arguments: [[UInt8]]) {
        // One flat buffer and offsets: no allocation per argument.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(arguments.reduce(0) { $0 + $1.count })
        for argument in arguments { bytes.append(contentsOf: argument) }
        var lengths = arguments.map(\.count)
        bytes.withUnsafeBufferPointer { flat in
            let base = UnsafeRawPointer(flat.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self)
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(arguments.count)
            var offset = 0
            for length in lengths {
                pointers.append(base + offset)
                offset += length
            }
            _ = redisAppendCommandArgv(context, Int32(arguments.count), &pointers, &lengths)
        }
    }

    /// Writes what is queued and blocks until the next reply arrives (or the I/O timeout passes).
    public func nextReply() throws(RedisError) -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw failure() }
        defer { freeReplyObject(raw) }
        return RedisReply(copying: raw.assumingMemoryBound(to: redisReply.self))
    }

    // MARK: Driving the connection from a poll loop

    /// Writes as much of the output buffer as the socket takes; true when all of it went.
    public func flushOutput() throws(RedisError) -> Bool {
        var done: Int32 = 0
        guard redisBufferWrite(context, &done) == REDIS_OK else { throw failure() }
        return done != 0
    }

    /// Reads what the socket has into the reply parser (call when poll says readable: it does not block then).
    public func readAvailable() throws(RedisError) {
        guard redisBufferRead(context) == REDIS_OK else { throw failure() }
    }

    /// A complete reply already read, if there is one.
    public func bufferedReply() throws(RedisError) -> RedisReply? {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReplyFromReader(context, &raw) == REDIS_OK else { throw failure() }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return RedisReply(copying: raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Shuts the socket down from any thread: a blocked read returns with an error at once.
    public static func shutdown(fileDescriptor: Int32) {
        _ = Glibc.shutdown(fileDescriptor, Int32(SHUT_RDWR))
    }

    // MARK: Helpers

    private func expectOK(_ reply: RedisReply, _ what: String) throws(RedisError) {
        if case .error(let message) = reply { throw RedisError(.server, "\(what): \(message)") }
    }

    private func failure() -> RedisError {
        let reason = Self.errorString(context)
        switch context.pointee.err {
        case REDIS_ERR_PROTOCOL: return RedisError(.protocolError, reason)
        default: return RedisError(.io, reason.isEmpty ? "connection lost" : reason)
        }
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func timeval(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
