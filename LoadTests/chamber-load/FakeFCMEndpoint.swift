import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// FCM as the push benchmark needs it, on loopback: Google's token endpoint (`POST /token`, any grant gets a token)
/// and the send endpoint (`POST /v1/projects/*/messages:send`), which answers 200 and notes when each push arrived
/// and for which message (`data.seq`). Checking requests is the end-to-end tests' job; this one only has to be fast.
final class FakeFCMEndpoint: Sendable {
    /// One push as it arrived.
    struct Arrival: Sendable {
        let token: String
        let seq: Int
        let atNanos: Int64
    }

    private let arrivals = NIOLockedValueBox<[Arrival]>([])
    private let channel: any Channel

    private init(channel: any Channel) { self.channel = channel }

    static func start(port: Int, group: any EventLoopGroup) async throws -> FakeFCMEndpoint {
        let box = NIOLockedValueBox<FakeFCMEndpoint?>(nil)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler { arrival in box.withLockedValue { $0 }?.record(arrival) })
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        let endpoint = FakeFCMEndpoint(channel: channel)
        box.withLockedValue { $0 = endpoint }
        return endpoint
    }

    func record(_ arrival: Arrival) { arrivals.withLockedValue { $0.append(arrival) } }
    var received: [Arrival] { arrivals.withLockedValue { $0 } }
    func stop() async { try? await channel.close() }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let record: @Sendable (Arrival) -> Void
        var uri = ""
        var body: ByteBuffer?

        init(record: @escaping @Sendable (Arrival) -> Void) { self.record = record }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                uri = head.uri
                body = context.channel.allocator.buffer(capacity: 1024)
            case .body(var chunk):
                body?.writeBuffer(&chunk)
            case .end:
                let answer: String
                if uri.hasSuffix("/token") {
                    answer = #"{"access_token":"bench-access-token","expires_in":3600,"token_type":"Bearer"}"#
                } else {
                    let at = wallNanos()
                    if let body, let arrival = Self.arrival(body, at: at) { record(arrival) }
                    answer = #"{"name":"projects/bench/messages/1"}"#
                }
                var headers = HTTPHeaders()
                headers.add(name: "content-type", value: "application/json")
                headers.add(name: "content-length", value: String(answer.utf8.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: answer)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                body = nil
            }
        }

        /// The token and `data.seq` of a send, found by their keys in the bytes: parsing each body as JSON cost this
        /// process as much CPU as the server spent sending it, on the same two cores. Both are plain strings (a
        /// registration token, digits), written without escapes.
        static func arrival(_ body: ByteBuffer, at: Int64) -> Arrival? {
            body.withUnsafeReadableBytes { bytes in
                guard let token = stringValue(of: #""token":""#, in: bytes), let seq = stringValue(of: #""seq":""#, in: bytes).flatMap(Int.init)
                else { return nil }
                return Arrival(token: token, seq: seq, atNanos: at)
            }
        }

        /// The string after the first `key` (a quoted key, its colon and the value's opening quote) up to its closing quote.
        static func stringValue(of key: String, in bytes: UnsafeRawBufferPointer) -> String? {
            let key = Array(key.utf8)
            guard bytes.count >= key.count else { return nil }
            var index = 0
            while index + key.count <= bytes.count {
                if bytes[index] == key[0], zip(key.indices, key).allSatisfy({ bytes[index + $0] == $1 }) {
                    let start = index + key.count
                    guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
                    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                }
                index += 1
            }
            return nil
        }
    }
}
