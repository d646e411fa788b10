import ChamberDomain
import ChamberServer
import ChamberTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// What a connection may hold before it is a real client (README "Configuration", openapi.yaml "Connections and every
/// answer"): bytes sent on a plain TCP socket, as an attacker sends them.
@Suite("Connections: malformed requests, slow and silent clients, floods from one address")
struct ConnectionLimitsTests {
    static let malformed: [String: [UInt8]] = [
        "two Content-Lengths": Array("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd".utf8),
        "Content-Length with Transfer-Encoding": Array(
            "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".utf8),
        "a negative length": Array("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".utf8),
        "an overflowing length": Array("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n".utf8),
        "a folded header line": Array("GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n".utf8),
        "a 100 KB header": Array("GET /health HTTP/1.1\r\nHost: x\r\nX-A: \(String(repeating: "a", count: 100_000))\r\n\r\n".utf8),
        "binary garbage": Array((0...255).map { UInt8($0) }) + Array((0...255).map { UInt8($0) }),
    ]

    @Test("a request HTTP cannot parse is answered 400 and the connection closed at once", arguments: malformed.keys.sorted())
    func malformedRequests(_ name: String) async throws {
        let bytes = try #require(Self.malformed[name])
        try await withServer(.sqlite) { api in
            _ = try await api.call(.get, "/health")
            let port = try #require(api.client.port)
            let answer = await RawHTTP.exchange(port: port, [bytes], timeout: 20)
            #expect(answer.closed && answer.seconds < 10, "\(name): held \(answer.seconds) s")
            #expect(answer.status == 400, "\(name): \(answer.text.prefix(120))")
            #expect(answer.text.lowercased().contains("connection: close"), "\(name)")
        }
    }

    @Test("a connection that sends nothing, or its first head a line at a time, or an upgrade never finished, is closed at the deadline")
    func slowAndSilent() async throws {
        try await withServer(.sqlite, configure: { $0.requestHeadTimeoutSeconds = 3 }) { api in
            _ = try await api.call(.get, "/health")
            let port = try #require(api.client.port)
            let silent = await RawHTTP.exchange(port: port, [], timeout: 20)
            #expect(silent.closed && silent.seconds < 10, "silent: held \(silent.seconds) s")
            let slowLines = [Array("GET /health HTTP/1.1\r\n".utf8)] + (0..<60).map { Array("X-Slow-\($0): a\r\n".utf8) }
            let slow = await RawHTTP.exchange(port: port, slowLines, pause: 0.25, timeout: 20)
            #expect(slow.closed && slow.seconds < 10, "slow: held \(slow.seconds) s")
            let upgrade = Array("GET /v1/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n".utf8)
            let unfinished = await RawHTTP.exchange(port: port, [upgrade], timeout: 20)
            #expect(unfinished.closed && unfinished.seconds < 10, "upgrade: held \(unfinished.seconds) s")
            // A real request inside the deadline is answered, and the connection is then the idle timeout's.
            let prompt = await RawHTTP.exchange(port: port, [Array("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".utf8)], timeout: 10)
            #expect(prompt.status == 200 && !prompt.closed, "a prompt request: \(prompt.text.prefix(80))")
        }
    }

    @Test("a kept-alive connection with no next request is closed after the idle timeout")
    func idleKeepAlive() async throws {
        try await withServer(.sqlite, configure: { $0.idleTimeoutSeconds = 1 }) { api in
            _ = try await api.call(.get, "/health")
            let port = try #require(api.client.port)
            let kept = await RawHTTP.exchange(port: port, [Array("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".utf8)], timeout: 15)
            #expect(kept.status == 200 && kept.closed && kept.seconds < 8, "held \(kept.seconds) s")
        }
    }

    @Test("one address holds at most its share of connections; one more is closed as it opens, and a freed place is taken again")
    func perAddress() async throws {
        try await withServer(.sqlite, configure: { $0.maxConnectionsPerAddress = 5 }) { api in
            // The test's own client holds one of the five.
            _ = try await api.call(.get, "/health")
            let port = try #require(api.client.port)
            var held = (0..<4).compactMap { _ in RawHTTP.connectLoopback(port: port) }
            defer { held.forEach { close($0) } }
            #expect(held.count == 4)
            // Each held connection is served (so each was admitted before the next is tried).
            for fd in held { #expect(await Self.health(on: fd) == 200) }
            let refused = await RawHTTP.exchange(port: port, [Array("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".utf8)], timeout: 10)
            #expect(refused.refused, "the sixth: \(refused.text.prefix(80))")
            #expect(try await api.call(.get, "/health").status == .ok, "those admitted go on")
            close(held.removeFirst())
            try await eventually("a freed place is taken again") {
                await RawHTTP.exchange(port: port, [Array("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)], timeout: 10).status
                    == 200
            }
        }
    }

    /// Sends one `GET /health` on an open socket and returns the answer's status (on a thread of its own: it blocks).
    static func health(on fd: Int32) async -> Int? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                var wait = timeval(tv_sec: 15, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = recv(fd, &chunk, chunk.count, 0)
                continuation.resume(returning: count > 12 ? Int(String(decoding: chunk[9..<12], as: UTF8.self)) : nil)
            }
        }
    }
}
