import CHiredis

extension RedisReply {
    /// The complete replies `bytes` hold, read by hiredis's parser exactly as a connection reads its socket; an
    /// incomplete reply at the end is left out.
    ///
    /// The bytes come from the Redis server, so this is where a broken or hostile server's answer first meets our
    /// code: `Fuzz/` holds it to its rules.
    /// - Throws: ``RedisError/Code/protocolError`` when the bytes are not RESP2.
    public static func replies(in bytes: [UInt8]) throws(RedisError) -> [RedisReply] {
        guard let reader = redisReaderCreate() else { throw RedisError(.io, "out of memory") }
        defer { redisReaderFree(reader) }
        boundArrays(reader)
        let fed = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { redisReaderFeed(reader, $0.baseAddress, $0.count) }
        }
        guard fed == REDIS_OK else { throw failure(of: reader) }
        var replies: [RedisReply] = []
        while true {
            var raw: UnsafeMutableRawPointer?
            guard redisReaderGetReply(reader, &raw) == REDIS_OK else { throw failure(of: reader) }
            guard let raw else { return replies }
            defer { freeReplyObject(raw) }
            replies.append(RedisReply(copying: raw.assumingMemoryBound(to: redisReply.self)))
        }
    }

    /// The most elements an array reply may have. hiredis 0.14 allocates an array's element pointers as soon as it
    /// reads the count, so `*2147483647` from a broken or hostile server would take 16 GiB at once (found by
    /// fuzzing). Our largest replies have three elements (`SUBSCRIBE`'s, a pub/sub message's), and a low bound also
    /// keeps nested arrays from multiplying it much: arrays of arrays of 1,024 take 8 MiB from 8 KiB of input.
    public static let maxArrayElements: Int32 = 1_024

    /// Makes `reader` refuse arrays longer than ``maxArrayElements`` (hiredis reports it as out of memory, which
    /// fails the reply, and a connection's next command reconnects).
    static func boundArrays(_ reader: UnsafeMutablePointer<redisReader>) {
        reader.pointee.fn = boundedFunctions
    }

    /// A Swift copy of a reply hiredis built (the original is freed by the caller).
    init(copying reply: UnsafeMutablePointer<redisReply>) {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            self = .bulk(r.str.map { Array(UnsafeRawBufferPointer(start: $0, count: r.len)) } ?? [])
        case REDIS_REPLY_STATUS:
            self = .status(r.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: r.len), as: UTF8.self) } ?? "")
        case REDIS_REPLY_ERROR:
            self = .error(r.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: r.len), as: UTF8.self) } ?? "")
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            self = .array((0..<r.elements).compactMap { r.element[$0].map(RedisReply.init(copying:)) })
        default:
            self = .null
        }
    }

    private static func failure(of reader: UnsafeMutablePointer<redisReader>) -> RedisError {
        let reason = withUnsafeBytes(of: reader.pointee.errstr) { bytes in String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self) }
        return RedisError(.protocolError, reason)
    }
}

/// hiredis's own reply builders, taken from a reader it made.
private let defaultFunctions: redisReplyObjectFunctions = {
    guard let probe = redisReaderCreate() else { fatalError("hiredis could not make a reader") }
    defer { redisReaderFree(probe) }
    return probe.pointee.fn.pointee
}()

/// hiredis's builders, but for arrays longer than ``RedisReply/maxArrayElements``: readers point at them (never
/// written after it is made).
nonisolated(unsafe) private let boundedFunctions: UnsafeMutablePointer<redisReplyObjectFunctions> = {
    var functions = defaultFunctions
    functions.createArray = { task, elements in
        guard elements <= RedisReply.maxArrayElements else { return nil }
        return defaultFunctions.createArray(task, elements)
    }
    let pointer = UnsafeMutablePointer<redisReplyObjectFunctions>.allocate(capacity: 1)
    pointer.initialize(to: functions)
    return pointer
}()
