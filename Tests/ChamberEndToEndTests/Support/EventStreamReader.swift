import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A server-sent events client on a plain TCP socket: it reads the stream as it comes, which an HTTP client that
/// waits for the whole body cannot. Each event is one chunk of the chunked body, so its text arrives whole.
/// Reads never block a thread: the server under test runs on the same cooperative threads, and a test blocked in
/// `recv` would starve it.
final class EventStreamReader {
    private let fd: Int32
    private var received = ""
    private var consumed = 0
    private(set) var status = 0

    init?(port: Int, path: String) {
        guard let fd = RawHTTP.connectLoopback(port: port) else { return nil }
        self.fd = fd
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
    }

    deinit { close(fd) }

    /// Whether the server ended the body (the last, empty chunk) or closed the connection.
    private(set) var ended = false

    /// Reads until `done` holds for the text received so far, or `timeout` passes; returns whether it held.
    func read(timeout: TimeInterval = 30, until done: (String) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var chunk = [UInt8](repeating: 0, count: 8192)
        while Date() < deadline {
            if done(received) { return true }
            let count = recv(fd, &chunk, chunk.count, Int32(MSG_DONTWAIT))
            if count == 0 {
                ended = true
                return done(received)
            }
            if count < 0 {
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            if count > 0 {
                received += String(decoding: chunk[0..<count], as: UTF8.self)
                if status == 0, let line = received.split(separator: "\r\n").first {
                    status = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
                }
                if received.hasSuffix("0\r\n\r\n") { ended = true }
            }
        }
        return done(received)
    }

    /// The next `application` event's data, parsed; nil when none came in `timeout`.
    func nextEvent(timeout: TimeInterval = 30) async -> JSON? {
        var found: JSON?
        var consumed = self.consumed
        _ = await read(timeout: timeout) { text in
            let rest = text.dropFirst(consumed)
            guard let start = rest.range(of: "event: application\ndata: "), let end = rest[start.upperBound...].range(of: "\n\n") else {
                return false
            }
            found = try? JSON.parse(Data(rest[start.upperBound..<end.lowerBound].utf8))
            consumed = text.distance(from: text.startIndex, to: end.upperBound)
            return true
        }
        self.consumed = consumed
        return found
    }

    /// The text received so far.
    var text: String { received }
}
