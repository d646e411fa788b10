import ChamberRealtime
import ChamberRedis

extension FuzzBodies {
    /// What a Redis server sends a node, read both ways it is read: as the broker's envelope (a pub/sub message's
    /// payload) and as RESP2 replies (hiredis's parser, then our copy of its replies). An envelope that decodes
    /// encodes to one that decodes to the same message; replies written out again as RESP read back the same; bytes
    /// that are not RESP are refused as a protocol error, never anything else.
    public static func redis(_ bytes: UnsafeBufferPointer<UInt8>) {
        let input = Array(bytes)
        let format = RedisWireFormat(prefix: "fuzz")
        if let envelope = format.decode(input) {
            let encoded = format.encode(envelope.message, origin: envelope.origin, kind: envelope.kind)
            guard let again = format.decode(encoded) else { preconditionFailure("an envelope re-encoded does not decode: \(input)") }
            precondition(
                again.kind == envelope.kind && again.origin == envelope.origin && again.message.topic == envelope.message.topic
                    && again.message.seq == envelope.message.seq && again.message.changesAccess == envelope.message.changesAccess
                    && again.message.frame == envelope.message.frame, "an envelope changed through encoding: \(input)")
        }
        let replies: [RedisReply]
        do {
            replies = try RedisReply.replies(in: input)
        } catch {
            precondition(error.code == .protocolError, "reading replies failed with \(error)")
            return
        }
        let written = replies.flatMap(resp)
        precondition((try? RedisReply.replies(in: written)) == replies, "replies changed through RESP: \(input)")
    }

    /// A reply as a server writes it (RESP2): the fuzz target's own writer, to read replies back with.
    static func resp(_ reply: RedisReply) -> [UInt8] {
        switch reply {
        case .status(let text): Array("+\(text)\r\n".utf8)
        case .error(let text): Array("-\(text)\r\n".utf8)
        case .integer(let value): Array(":\(value)\r\n".utf8)
        case .bulk(let bytes): Array("$\(bytes.count)\r\n".utf8) + bytes + Array("\r\n".utf8)
        case .null: Array("$-1\r\n".utf8)
        case .array(let elements): Array("*\(elements.count)\r\n".utf8) + elements.flatMap(resp)
        }
    }
}
