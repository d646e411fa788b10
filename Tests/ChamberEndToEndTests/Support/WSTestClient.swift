import ChamberRealtime
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import Testing

/// Validates frames against `Protocol/schemas/`.
enum FrameSchemas {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Protocol")

    private static let cache = Mutex<[String: OpenAPIContract?]>([:])

    static func schema(_ direction: String, _ type: String) -> OpenAPIContract? {
        let key = "\(direction)/\(type)"
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let path = root.appendingPathComponent("schemas/\(key).json").path
        let contract = FileManager.default.contents(atPath: path).flatMap { try? JSON.parse($0) }.map(OpenAPIContract.init(document:))
        cache.withLock { $0[key] = contract }
        return contract
    }

    /// Problems of a frame against its schema (a frame without a schema is a problem too).
    static func check(_ frame: JSON, direction: String) -> [String] {
        guard let type = frame["type"].string else { return ["frame without type: \(frame)"] }
        guard let contract = schema(direction, type) else { return ["no schema Protocol/schemas/\(direction)/\(type).json"] }
        var problems: [String] = []
        contract.validate(frame, against: contract.document, at: "\(direction)/\(type) $", problems: &problems)
        return problems
    }
}

/// A real WebSocket client for tests: frames it receives are kept (and checked against the protocol's schemas)
/// until a test takes them with ``next(_:where:timeout:)``.
final class WSTestClient: Sendable {
    /// Frames received and not yet taken by the test.
    final class Inbox: Sendable {
        let frames = Mutex<[JSON]>([])
        /// Every text frame as received, for checks that need the exact bytes (numbers beyond a Double's precision).
        let texts = Mutex<[String]>([])
    }

    private let inbox = Inbox()
    private let commands: AsyncStream<Command>.Continuation
    private let task: Task<WebSocketCloseFrame?, any Error>

    enum Command: Sendable {
        case text(String)
        case binary([UInt8])
        case close
    }

    /// Connects to `/v1/ws` on the test server; `token` goes in the bearer header unless `inQuery`.
    init(
        port: Int, chamberID: String?, token: String?, inQuery: Bool = false, maxFrameSize: Int = 1 << 20,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var query: [String] = []
        if let chamberID { query.append("chamber_id=\(chamberID)") }
        var headers = HTTPFields()
        if let token {
            if inQuery { query.append("access_token=\(token)") } else { headers[.authorization] = "Bearer \(token)" }
        }
        let url = "ws://127.0.0.1:\(port)/v1/ws" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let (stream, continuation) = AsyncStream<Command>.makeStream()
        commands = continuation
        let inbox = self.inbox
        var logger = Logger(label: "test.ws")
        logger.logLevel = .critical
        let configuration = WebSocketClientConfiguration(maxFrameSize: maxFrameSize, additionalHeaders: headers)
        task = Task { [logger] in
            try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await command in stream {
                            switch command {
                            case .text(let text): try await outbound.write(.text(text))
                            case .binary(let bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                            case .close:
                                try await outbound.close(.normalClosure, reason: nil)
                                return
                            }
                        }
                    }
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 1 << 24) {
                            guard case .text(let text) = message, let json = try? JSON.parse(Data(text.utf8)) else { continue }
                            for problem in FrameSchemas.check(json, direction: "server") {
                                Issue.record(
                                    "server frame does not match Protocol/schemas: \(problem)\nframe: \(text.prefix(600))",
                                    sourceLocation: sourceLocation)
                            }
                            inbox.frames.withLock { $0.append(json) }
                            inbox.texts.withLock { $0.append(text) }
                        }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
            }
        }
    }

    func send(_ frame: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: frame)
        commands.yield(.text(String(decoding: data, as: UTF8.self)))
    }

    func sendRaw(_ text: String) { commands.yield(.text(text)) }

    /// The text of every frame received so far, exactly as sent by the server.
    var receivedTexts: [String] { inbox.texts.withLock { $0 } }

    /// Frames of `type` received and not taken yet (left where they are).
    func pending(_ type: String, where match: (JSON) -> Bool = { _ in true }) -> [JSON] {
        inbox.frames.withLock { $0.filter { $0["type"].string == type && match($0) } }
    }
    func sendBinary(_ bytes: [UInt8]) { commands.yield(.binary(bytes)) }
    func close() { commands.yield(.close) }

    /// Waits for the next frame of `type` (optionally matching `where`), removing it and leaving others.
    @discardableResult
    func next(
        _ type: String, where match: @Sendable (JSON) -> Bool = { _ in true }, timeout: Duration = .seconds(30),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSON {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let found = inbox.frames.withLock { frames -> JSON? in
                guard let index = frames.firstIndex(where: { (type == "*" || $0["type"].string == type) && match($0) }) else { return nil }
                return frames.remove(at: index)
            }
            if let found { return found }
            try await Task.sleep(for: .milliseconds(10))
        }
        let seen = inbox.frames.withLock { $0.map { $0["type"].string ?? "?" } }
        Issue.record("no '\(type)' frame within \(timeout); pending: \(seen)", sourceLocation: sourceLocation)
        throw WSTestError.timeout(type)
    }

    /// Sends a request and waits for the reply of `replyType` (`*`: any) with the same id (or an error frame with that id).
    @discardableResult
    func request(
        _ frame: [String: Any], expect replyType: String, expectError: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSON {
        let id = UUID().uuidString
        var frame = frame
        frame["id"] = id
        send(frame)
        let reply = try await next(
            "*", where: { (replyType == "*" || $0["type"].string == replyType || $0["type"].string == "error") && $0["id"].string == id },
            sourceLocation: sourceLocation)
        if reply["type"].string == "error", !expectError {
            Issue.record("request \(frame["type"] ?? "?") failed: \(reply)", sourceLocation: sourceLocation)
        }
        return reply
    }

    /// Every frame of `type` (`*`: of any type) received within `window`, removed from the buffer.
    func all(_ type: String, within window: Duration = .milliseconds(300)) async throws -> [JSON] {
        try await Task.sleep(for: window)
        return inbox.frames.withLock { frames in
            let matches = { (frame: JSON) in type == "*" || frame["type"].string == type }
            let matching = frames.filter(matches)
            frames.removeAll(where: matches)
            return matching
        }
    }

    /// The close frame the server sent, once the connection ended.
    func closeCode(timeout: Duration = .seconds(30)) async throws -> UInt16? {
        try await withThrowingTaskGroup(of: UInt16?.self) { group in
            group.addTask {
                // Awaiting another task's value ignores cancellation: cancelling that task ends the wait at the timeout.
                let task = self.task
                guard let frame = try? await withTaskCancellationHandler(operation: { try await task.value }, onCancel: { task.cancel() }) else {
                    return nil
                }
                var buffer = ByteBufferAllocator().buffer(capacity: 2)
                buffer.write(webSocketErrorCode: frame.closeCode)
                return buffer.readInteger(as: UInt16.self)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw WSTestError.timeout("close")
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    deinit {
        commands.finish()
        task.cancel()
    }
}

extension WSTestClient {
    /// Waits for the welcome that follows authentication: up to 30 s, as a CI machine running both databases'
    /// suites at once has taken more than 10 s to answer an upgrade.
    @discardableResult
    func welcome(sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSON {
        try await next("welcome", timeout: .seconds(30), sourceLocation: sourceLocation)
    }
}

enum WSTestError: Error { case timeout(String) }
