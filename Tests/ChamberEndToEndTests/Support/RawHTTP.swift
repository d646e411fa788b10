import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP/1.1 request written byte for byte on a plain TCP socket, as a WebSocket client library sends its upgrade
/// (HTTP client libraries drop `Connection: Upgrade`, so they cannot test what an upgrade is answered).
enum RawHTTP {
    struct Answer {
        let status: Int
        /// Header names in lower case.
        let headers: [String: String]
        let json: JSON
    }

    /// Sends a WebSocket upgrade for `path` (with `Authorization: Bearer token` when given) and reads the answer until
    /// the server closes or `timeout` passes; nil when nothing came back in time. The blocking reads run on a thread
    /// of their own: on the test pool (two threads on a two-core machine) two of them would starve the server under
    /// test, in the same process, of the threads it answers on.
    static func upgrade(port: Int, path: String, token: String? = nil, timeout: TimeInterval = 5) async -> Answer? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: blockingUpgrade(port: port, path: path, token: token, timeout: timeout)) }
        }
    }

    private static func blockingUpgrade(port: Int, path: String, token: String?, timeout: TimeInterval) -> Answer? {
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        request += "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        if let token { request += "Authorization: Bearer \(token)\r\n" }
        request += "\r\n"
        guard let fd = connectLoopback(port: port) else { return nil }
        defer { close(fd) }
        var wait = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var received = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            guard count > 0 else { break }
            received += chunk[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let statusLine = text.split(separator: "\r\n").first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else {
            return nil
        }
        let parts = text.components(separatedBy: "\r\n\r\n")
        var headers: [String: String] = [:]
        for line in parts[0].split(separator: "\r\n").dropFirst() {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2 { headers[pair[0].lowercased()] = pair[1].trimmingCharacters(in: .whitespaces) }
        }
        let body = parts.dropFirst().joined(separator: "\r\n\r\n")
        return Answer(status: status, headers: headers, json: (try? JSON.parse(Data(body.utf8))) ?? .null)
    }

    /// A TCP socket connected to 127.0.0.1:`port`, or nil.
    static func connectLoopback(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }
}

extension RawHTTP {
    /// What one connection got back: the bytes, whether the server closed it before the timeout, and when.
    struct Exchange: Sendable {
        let received: [UInt8]
        let closed: Bool
        /// Seconds from connecting to the close (or to the timeout).
        let seconds: Double
        /// The connection was closed as it opened: nothing could be sent, or it ended before an answer.
        var refused: Bool { closed && received.isEmpty }
        var text: String { String(decoding: received, as: UTF8.self) }
        /// The status of the first answer, if one came.
        var status: Int? { text.hasPrefix("HTTP/1.1 ") ? Int(text.dropFirst(9).prefix(3)) : nil }
    }

    /// Opens a connection, sends `chunks` with `pause` seconds between them, and reads until the server closes it or
    /// `timeout` seconds have passed since connecting. Blocking work runs on a thread of its own, off the test pool.
    static func exchange(port: Int, _ chunks: [[UInt8]], pause: TimeInterval = 0, timeout: TimeInterval) async -> Exchange {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: blockingExchange(port: port, chunks, pause: pause, timeout: timeout))
            }
        }
    }

    private static func blockingExchange(port: Int, _ chunks: [[UInt8]], pause: TimeInterval, timeout: TimeInterval) -> Exchange {
        let start = Date()
        guard let fd = connectLoopback(port: port) else { return Exchange(received: [], closed: true, seconds: 0) }
        defer { close(fd) }
        var received = [UInt8]()
        var closed = false
        var chunk = [UInt8](repeating: 0, count: 65536)
        // Reads what has come, for at most `seconds`; notes a close.
        func read(for seconds: TimeInterval) {
            let until = Date().addingTimeInterval(seconds)
            while !closed, Date() < until {
                var wait = timeval(tv_sec: 0, tv_usec: 50_000)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
                let count = recv(fd, &chunk, chunk.count, 0)
                if count > 0 {
                    received += chunk[0..<count]
                } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                    closed = true
                }
            }
        }
        for (index, bytes) in chunks.enumerated() where !closed {
            if index > 0 { read(for: pause) }
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 { closed = true }
        }
        read(for: timeout - Date().timeIntervalSince(start))
        return Exchange(received: received, closed: closed, seconds: Date().timeIntervalSince(start))
    }
}
