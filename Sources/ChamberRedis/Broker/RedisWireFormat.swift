import ChamberDomain
import ChamberRealtime
import NIOCore

/// How broker messages travel through Redis: one pub/sub channel per topic, and a small binary envelope.
///
/// Envelope (all integers big-endian): version `1` (u8), kind (u8: 0 message, 1 resync request), origin node
/// (u64), flags (u8: bit 0 = has sequence, bit 1 = changes access; others ignored), sequence (i64, when flagged), topic (kind u8, then one or two
/// u16-length-prefixed UTF-8 ids), then the frame's bytes to the end. The topic travels inside the envelope so a
/// receiver never parses channel names.
public struct RedisWireFormat: Sendable {
    /// Prefix of every Redis channel name, so several deployments can share one Redis.
    public let prefix: String

    public init(prefix: String) { self.prefix = prefix }

    public enum Kind: UInt8, Sendable {
        /// A broker message.
        case message = 0
        /// The sender could not publish for a while: every node should catch up from the store.
        case resync = 1
    }

    public struct Envelope: Sendable {
        public var kind: Kind
        public var origin: UInt64
        public var message: BrokerMessage
    }

    /// The Redis channel of a topic.
    public func channelName(_ topic: BrokerMessage.Topic) -> String {
        switch topic {
        case .channel(let chamber, let channel): "\(prefix):ch:\(chamber.rawValue):\(channel.rawValue)"
        case .user(let chamber, let user): "\(prefix):u:\(chamber.rawValue):\(user.rawValue)"
        case .chamber(let chamber): "\(prefix):cm:\(chamber.rawValue)"
        case .cluster: "\(prefix):cluster"
        }
    }

    public func encode(_ message: BrokerMessage, origin: UInt64, kind: Kind = .message) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.frame.readableBytes + 100)
        out.append(1)
        out.append(kind.rawValue)
        append(origin, to: &out)
        out.append((message.seq == nil ? 0 : 1) | (message.changesAccess ? 2 : 0))
        if let seq = message.seq { append(UInt64(bitPattern: seq), to: &out) }
        switch message.topic {
        case .channel(let chamber, let channel): out.append(0); append(chamber.rawValue, to: &out); append(channel.rawValue, to: &out)
        case .user(let chamber, let user): out.append(1); append(chamber.rawValue, to: &out); append(user.rawValue, to: &out)
        case .chamber(let chamber): out.append(2); append(chamber.rawValue, to: &out)
        case .cluster: out.append(3)
        }
        message.frame.withUnsafeReadableBytes { out.append(contentsOf: $0) }
        return out
    }

    /// Nil when the bytes are not an envelope of this version (another deployment's, or corrupt): dropped.
    public func decode(_ bytes: [UInt8]) -> Envelope? {
        var reader = Reader(bytes: bytes)
        guard reader.u8() == 1, let kind = reader.u8().flatMap(Kind.init(rawValue:)), let origin = reader.u64(), let flags = reader.u8() else {
            return nil
        }
        var seq: Int64?
        if flags & 1 != 0 {
            guard let raw = reader.u64() else { return nil }
            seq = Int64(bitPattern: raw)
        }
        let topic: BrokerMessage.Topic
        switch reader.u8() {
        case 0: guard let a = reader.string(), let b = reader.string() else { return nil }; topic = .channel(ChamberID(a), ChannelID(b))
        case 1: guard let a = reader.string(), let b = reader.string() else { return nil }; topic = .user(ChamberID(a), UserID(b))
        case 2: guard let a = reader.string() else { return nil }; topic = .chamber(ChamberID(a))
        case 3: topic = .cluster
        default: return nil
        }
        var frame = ByteBufferAllocator().buffer(capacity: bytes.count - reader.offset)
        frame.writeBytes(bytes[reader.offset...])
        return Envelope(kind: kind, origin: origin, message: BrokerMessage(topic: topic, seq: seq, frame: frame, changesAccess: flags & 2 != 0))
    }

    private func append(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private func append(_ text: String, to out: inout [UInt8]) {
        let utf8 = text.utf8
        let count = min(utf8.count, Int(UInt16.max))
        out.append(UInt8(count >> 8))
        out.append(UInt8(count & 0xff))
        out.append(contentsOf: utf8.prefix(count))
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func u8() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func u64() -> UInt64? {
            guard offset + 8 <= bytes.count else { return nil }
            defer { offset += 8 }
            return bytes[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
        }

        mutating func string() -> String? {
            guard offset + 2 <= bytes.count else { return nil }
            let count = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            guard offset + 2 + count <= bytes.count else { return nil }
            defer { offset += 2 + count }
            return String(decoding: bytes[offset + 2..<offset + 2 + count], as: UTF8.self)
        }
    }
}
