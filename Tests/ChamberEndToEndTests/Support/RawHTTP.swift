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
    /// the server closes or `timeout` passes; nil when nothing came back in time.
    static func upgrade(port: Int, path: String, token: String? = nil, timeout: TimeInterval = 5) -> Answer? {
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
