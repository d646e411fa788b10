import ChamberNotify
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import Testing

/// The pool FCM's pushes leave through, against an HTTP/1.1 server of ours on loopback that answers as each test
/// tells it and counts the connections it was given.
@Suite("HTTP1Pool: keep-alive HTTP/1.1 connections to one origin")
struct HTTP1PoolTests {
    /// How the server answers one request.
    enum Answer: Sendable {
        case ok(String)
        /// Answers, then closes the connection (`Connection: close`).
        case okThenClose
        case never
        case huge(Int)
        /// Answers, then closes the connection without saying so beforehand.
        case okThenDrop
    }

    final class Server: Sendable {
        let channel: any NIOCore.Channel
        let connections = Mutex(0)
        let requests = Mutex<[(path: String, headers: HTTPHeaders, body: String)]>([])
        let inFlight = Mutex((now: 0, most: 0))
        let answer: @Sendable (Int) -> Answer

        init(tls: NIOSSLContext? = nil, answer: @escaping @Sendable (Int) -> Answer) async throws {
            self.answer = answer
            let box = Mutex<Server?>(nil)
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        let server = box.withLock { $0 }!
                        server.connections.withLock { $0 += 1 }
                        try channel.pipeline.syncOperations.addHandler(Handler(server: server))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            box.withLock { $0 = self }
        }

        var port: Int { channel.localAddress!.port! }
        func stop() async { try? await channel.close() }

        final class Handler: ChannelInboundHandler {
            typealias InboundIn = HTTPServerRequestPart
            typealias OutboundOut = HTTPServerResponsePart
            let server: Server
            var head: HTTPRequestHead?
            var body = ""

            init(server: Server) { self.server = server }

            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                switch unwrapInboundIn(data) {
                case .head(let head):
                    self.head = head
                    body = ""
                case .body(let part):
                    body += String(buffer: part)
                case .end:
                    guard let head else { return }
                    let number = server.requests.withLock { requests in
                        requests.append((head.uri, head.headers, body))
                        return requests.count
                    }
                    server.inFlight.withLock { $0 = (now: $0.now + 1, most: max($0.most, $0.now + 1)) }
                    let answer = server.answer(number)
                    let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
                    // Each answer after a moment, so that concurrent requests overlap.
                    context.eventLoop.scheduleTask(in: .milliseconds(5)) {
                        let (handler, context) = bound.value
                        handler.server.inFlight.withLock { $0.now -= 1 }
                        handler.respond(answer, context: context)
                    }
                }
            }

            func respond(_ answer: Answer, context: ChannelHandlerContext) {
                var headers = HTTPHeaders()
                let text: String
                switch answer {
                case .never: return
                case .ok(let body): text = body
                case .okThenClose, .okThenDrop: text = "bye"
                case .huge(let count): text = String(repeating: "x", count: count)
                }
                if case .okThenClose = answer { headers.add(name: "Connection", value: "close") }
                headers.add(name: "Content-Length", value: String(text.utf8.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
                let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
                switch answer {
                case .okThenClose, .okThenDrop:
                    let channel = context.channel
                    done.whenComplete { _ in channel.close(promise: nil) }
                default: break
                }
            }
        }
    }

    @Test("requests one after another share one connection; each carries its headers, Host and Content-Length")
    func keepAlive() async throws {
        let server = try await Server { .ok("answer \($0)") }
        let pool = try HTTP1Pool(origin: "http://127.0.0.1:\(server.port)", connections: 4)
        for n in 1...5 {
            let response = try await pool.post("/send", headers: [("Authorization", "Bearer t")], body: Array("body \(n)".utf8), timeout: .seconds(5))
            #expect(response.status == 200 && String(buffer: response.body) == "answer \(n)")
        }
        #expect(server.connections.withLock { $0 } == 1)
        let first = try #require(server.requests.withLock { $0.first })
        #expect(first.path == "/send" && first.body == "body 1")
        #expect(first.headers["Host"] == ["127.0.0.1:\(server.port)"] && first.headers["Content-Length"] == ["6"])
        #expect(first.headers["Authorization"] == ["Bearer t"])
        pool.close()
        // An origin with a path: every request's path goes after it.
        let prefixed = try HTTP1Pool(origin: "http://127.0.0.1:\(server.port)/base/", connections: 1)
        _ = try await prefixed.post("/send", headers: [], body: [], timeout: .seconds(5))
        #expect(server.requests.withLock { $0.last?.path } == "/base/send")
        prefixed.close()
        await server.stop()
    }

    @Test("many requests at once: at most `connections` open and in flight, every one answered")
    func bounded() async throws {
        let server = try await Server { .ok("\($0)") }
        let pool = try HTTP1Pool(origin: "http://127.0.0.1:\(server.port)", connections: 3)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<30 {
                group.addTask { try await pool.post("/", headers: [], body: [], timeout: .seconds(5)).status }
            }
            for try await status in group { #expect(status == 200) }
        }
        #expect(server.connections.withLock { $0 } <= 3)
        #expect(server.inFlight.withLock { $0.most } <= 3)
        #expect(server.requests.withLock { $0.count } == 30)
        pool.close()
        await server.stop()
    }

    @Test("a server that closes a connection after answering: the next request goes on a new one, with or without warning")
    func closedConnections() async throws {
        for closing in [Answer.okThenClose, .okThenDrop] {
            let server = try await Server { $0 == 1 ? closing : .ok("fine") }
            let pool = try HTTP1Pool(origin: "http://127.0.0.1:\(server.port)", connections: 1)
            #expect(try await pool.post("/", headers: [], body: [], timeout: .seconds(5)).status == 200)
            // Let the close arrive, as a kept connection's would between two bursts.
            try await Task.sleep(for: .milliseconds(100))
            let second = try await pool.post("/", headers: [], body: [], timeout: .seconds(5))
            #expect(String(buffer: second.body) == "fine")
            #expect(server.connections.withLock { $0 } == 2)
            pool.close()
            await server.stop()
        }
    }

    @Test("no answer in time: timed out; an answer past the limit: refused; a refused connection: the error")
    func failures() async throws {
        let server = try await Server { $0 == 1 ? .never : .huge(2_000) }
        let pool = try HTTP1Pool(origin: "http://127.0.0.1:\(server.port)", connections: 2, maxResponseBytes: 1_000)
        await #expect(throws: HTTP1Pool.Failure.timedOut) { try await pool.post("/", headers: [], body: [], timeout: .milliseconds(300)) }
        await #expect(throws: HTTP1Pool.Failure.responseTooLarge) { try await pool.post("/", headers: [], body: [], timeout: .seconds(5)) }
        await server.stop()
        await #expect(throws: (any Error).self) { try await pool.post("/", headers: [], body: [], timeout: .seconds(5)) }
        #expect(throws: HTTP1Pool.Failure.unsupportedOrigin("ftp://example.com")) { try HTTP1Pool(origin: "ftp://example.com", connections: 1) }
    }

    @Test("https: the server's certificate checked against the trusted roots given; a server nobody trusts is refused")
    func tls() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (certificate, key) = (folder.appendingPathComponent("cert.pem").path, folder.appendingPathComponent("key.pem").path)
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", certificate,
            "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)
        let context = try NIOSSLContext(
            configuration: .makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))))
        let server = try await Server(tls: context) { _ in .ok("secret") }
        var trusting = TLSConfiguration.makeClientConfiguration()
        trusting.additionalTrustRoots = [.file(certificate)]
        let pool = try HTTP1Pool(origin: "https://127.0.0.1:\(server.port)", connections: 2, tls: trusting)
        let response = try await pool.post("/", headers: [], body: Array("over tls".utf8), timeout: .seconds(5))
        #expect(String(buffer: response.body) == "secret")
        #expect(server.requests.withLock { $0.last?.body } == "over tls")
        let stranger = try HTTP1Pool(origin: "https://127.0.0.1:\(server.port)", connections: 1)
        await #expect(throws: (any Error).self) { try await stranger.post("/", headers: [], body: [], timeout: .seconds(5)) }
        pool.close()
        await server.stop()
    }
}
