import ChamberDomain
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// Keep-alive HTTP/1.1 connections to one origin, one request at a time on each: what pushes to a provider that
/// speaks HTTP/1.1 (FCM) leave through, a thousand at a time for an announcement.
///
/// AsyncHTTPClient spent about a third of the server's CPU on such a burst (a pool state machine, a body stream and a
/// tracing span per request, the URL parsed each time, the head and the body flushed apart). Here a request is its
/// head and body written and flushed together, and its answer is read whole (up to `maxResponseBytes`) by NIO's
/// decoder. No redirects, no proxies, no compression: a provider's API needs none of them.
public final class HTTP1Pool: Sendable {
    /// An answer, read whole.
    public struct Response: Sendable {
        public let status: Int
        public let headers: HTTPHeaders
        public let body: ByteBuffer
    }

    /// Why a request got no answer.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case timedOut
        /// The connection closed before the answer was complete.
        case connectionClosed
        case responseTooLarge
        case unsupportedOrigin(String)

        public var description: String {
            switch self {
            case .timedOut: "timed out"
            case .connectionClosed: "the connection closed before the answer"
            case .responseTooLarge: "the answer was too large"
            case .unsupportedOrigin(let origin): "cannot reach \(origin): an http:// or https:// origin is needed"
            }
        }
    }

    private let host: String
    private let port: Int
    private let hostHeader: String
    /// The origin's own path, before every request's (an endpoint behind a prefix).
    private let basePath: String
    private let tls: NIOSSLContext?
    private let group: any EventLoopGroup
    private let maxResponseBytes: Int
    /// One per connection that may be open: a request holds one while it uses a connection.
    private let slots: AsyncPermits
    /// Connections at rest; nil once the pool is closed.
    private let idle = Mutex<[any NIOCore.Channel]?>([])

    /// - Parameters:
    ///   - origin: `https://host[:port]` (or `http://`, for a server on loopback in tests and benchmarks).
    ///   - connections: connections open at most, so requests in flight at most.
    ///   - tls: the client's TLS configuration, for an https origin.
    public init(
        origin: String, connections: Int, tls: TLSConfiguration = .makeClientConfiguration(), maxResponseBytes: Int = 64 * 1024,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        guard let url = URL(string: origin), let scheme = url.scheme, scheme == "https" || scheme == "http", let host = url.host, !host.isEmpty
        else { throw Failure.unsupportedOrigin(origin) }
        self.host = host
        let secure = scheme == "https"
        port = url.port ?? (secure ? 443 : 80)
        let name = host.contains(":") ? "[\(host)]" : host
        hostHeader = url.port.map { "\(name):\($0)" } ?? name
        let path = url.path(percentEncoded: true)
        basePath = path.hasSuffix("/") ? String(path.dropLast()) : path
        self.tls = secure ? try NIOSSLContext(configuration: tls) : nil
        self.group = group
        self.maxResponseBytes = maxResponseBytes
        slots = AsyncPermits(connections)
    }

    /// POSTs `body` to `path` with `headers` (Host and Content-Length are added), and reads the answer.
    public func post(_ path: String, headers: [(String, String)], body: [UInt8], timeout: TimeAmount) async throws -> Response {
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: basePath + path)
        head.headers.reserveCapacity(headers.count + 2)
        head.headers.add(name: "Host", value: hostHeader)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        head.headers.add(name: "Content-Length", value: String(body.count))
        await slots.acquire()
        defer { slots.release() }
        // A kept connection the server closed meanwhile cannot take the request: it goes on a new one. Once written,
        // a request is never sent again here (the server may have acted on it); its caller decides.
        if let kept = takeIdle() {
            do {
                return try await exchange(head, body, on: kept, timeout: timeout)
            } catch is NotWritten {}
        }
        do {
            return try await exchange(head, body, on: try await connect(), timeout: timeout)
        } catch is NotWritten {
            throw Failure.connectionClosed
        }
    }

    /// The connection closed before the request was written.
    private struct NotWritten: Error {}

    /// Closes the connections at rest; those in use close as their requests end.
    public func close() {
        let resting = idle.withLock { idle in
            defer { idle = nil }
            return idle ?? []
        }
        for channel in resting { channel.close(promise: nil) }
    }

    private func takeIdle() -> (any NIOCore.Channel)? {
        idle.withLock { idle in
            while let channel = idle?.popLast() {
                if channel.isActive { return channel }
            }
            return nil
        }
    }

    /// Keeps `channel` for the next request, unless the pool is closed.
    private func keep(_ channel: any NIOCore.Channel) {
        let kept = idle.withLock { idle in
            guard idle != nil else { return false }
            idle?.append(channel)
            return true
        }
        if !kept { channel.close(promise: nil) }
    }

    private func exchange(_ head: HTTPRequestHead, _ body: [UInt8], on channel: any NIOCore.Channel, timeout: TimeAmount) async throws -> Response {
        let promise = channel.eventLoop.makePromise(of: Exchanged.self)
        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(Failure.timedOut)
            channel.close(promise: nil)
        }
        var buffer = channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { _ in promise.fail(NotWritten()) }
        channel.writeAndFlush(ExchangeHandler.Request(head: head, body: buffer, answer: promise), promise: written)
        let exchanged: Exchanged
        do {
            exchanged = try await promise.futureResult.get()
            deadline.cancel()
        } catch {
            deadline.cancel()
            channel.close(promise: nil)
            throw error
        }
        if exchanged.keepAlive, channel.isActive {
            keep(channel)
        } else {
            channel.close(promise: nil)
        }
        return exchanged.response
    }

    private func connect() async throws -> any NIOCore.Channel {
        let (tls, host, maxResponseBytes) = (self.tls, self.host, self.maxResponseBytes)
        return try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        // An address is no name to send by SNI: the certificate is checked against it as an IP.
                        let address = (try? SocketAddress(ipAddress: host, port: 0)) != nil
                        try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: address ? nil : host))
                    }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(ExchangeHandler(maxResponseBytes: maxResponseBytes))
                }
            }
            .connect(host: host, port: port).get()
    }

    fileprivate struct Exchanged: Sendable {
        let response: Response
        let keepAlive: Bool
    }

    /// Writes a request and completes its promise with the answer; one request at a time.
    private final class ExchangeHandler: ChannelDuplexHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundIn = Request
        typealias OutboundOut = HTTPClientRequestPart

        struct Request: Sendable {
            let head: HTTPRequestHead
            let body: ByteBuffer
            let answer: EventLoopPromise<Exchanged>
        }

        private let maxResponseBytes: Int
        private var answer: EventLoopPromise<Exchanged>?
        private var head: HTTPResponseHead?
        private var body = ByteBuffer()

        init(maxResponseBytes: Int) { self.maxResponseBytes = maxResponseBytes }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            let request = unwrapOutboundIn(data)
            answer = request.answer
            head = nil
            body.clear()
            context.write(wrapOutboundOut(.head(request.head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
            context.write(wrapOutboundOut(.end(nil)), promise: promise)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
            case .body(var part):
                guard body.readableBytes + part.readableBytes <= maxResponseBytes else {
                    fail(Failure.responseTooLarge)
                    context.close(promise: nil)
                    return
                }
                body.writeBuffer(&part)
            case .end:
                guard let head, let answer else { return }
                self.answer = nil
                answer.succeed(
                    Exchanged(response: Response(status: Int(head.status.code), headers: head.headers, body: body), keepAlive: head.isKeepAlive))
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            fail(Failure.connectionClosed)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            fail(error)
            context.close(promise: nil)
        }

        private func fail(_ error: any Error) {
            answer?.fail(error)
            answer = nil
        }
    }
}
