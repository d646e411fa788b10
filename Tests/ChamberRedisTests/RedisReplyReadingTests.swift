import ChamberRedis
import Testing

/// Replies read from bytes as a connection reads its socket (hiredis's parser and our copy), by table.
@Suite("Redis replies read from bytes")
struct RedisReplyReadingTests {
    @Test(
        "each reply shape, an incomplete tail, and what is refused",
        arguments: [
            ("+OK\r\n", [.status("OK")]),
            ("-ERR wrong\r\n", [.error("ERR wrong")]),
            (":-42\r\n", [.integer(-42)]),
            ("$3\r\na\0b\r\n", [.bulk([97, 0, 98])]),
            ("$-1\r\n*-1\r\n", [.null, .null]),
            ("*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n:1\r\n", [.array([.bulk(Array("message".utf8)), .bulk([99]), .integer(1)])]),
            ("+OK\r\n$5\r\nhel", [.status("OK")]),  // the second reply has not all arrived
            ("*1024\r\n", []),  // the longest array allowed, waiting for its elements
            ("*1025\r\n", nil),  // longer: refused before anything is allocated for it
            ("*2147483647\r\n", nil),
            ("!what\r\n", nil),
        ] as [(String, [RedisReply]?)])
    func read(bytes: String, expected: [RedisReply]?) {
        let replies = try? RedisReply.replies(in: Array(bytes.utf8))
        #expect(replies == expected)
    }
}
