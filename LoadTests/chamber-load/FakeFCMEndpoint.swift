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

        static func arrival(_ body: ByteBuffer, at: Int64) -> Arrival? {
            guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
                let message = object["message"] as? [String: Any], let token = message["token"] as? String,
                let seq = ((message["data"] as? [String: Any])?["seq"] as? String).flatMap(Int.init)
            else { return nil }
            return Arrival(token: token, seq: seq, atNanos: at)
        }
    }
}
