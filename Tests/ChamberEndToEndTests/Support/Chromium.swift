import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import Testing

/// Headless Chromium (Debian's `chromium`) driven over the DevTools protocol: pages in browser contexts of their
/// own (two people on two phones share no storage), scripts evaluated in them, screenshots, and what the page
/// logged as an error.
final class Chromium: Sendable {
    private let process: Process
    private let profile: URL
    private let connection: DevTools

    /// The browser to drive: `CHAMBER_TEST_CHROMIUM`, or Debian's.
    static var executable: String? {
        let path = ProcessInfo.processInfo.environment["CHAMBER_TEST_CHROMIUM"] ?? "/usr/bin/chromium"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Starts a browser with a profile of its own and connects to it.
    static func launch() async throws -> Chromium {
        guard let executable else { throw BrowserError("no Chromium: install Debian's chromium or set CHAMBER_TEST_CHROMIUM") }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chamber-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-extensions", "--mute-audio", "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1", "--remote-allow-origins=*", "--user-data-dir=\(profile.path)", "about:blank",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The browser writes its port and path when it listens.
        let portFile = profile.appendingPathComponent("DevToolsActivePort")
        let deadline = ContinuousClock.now + .seconds(60)
        var lines: [String] = []
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: portFile, encoding: .utf8) {
                lines = text.split(separator: "\n").map(String.init)
                if lines.count >= 2 { break }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard lines.count >= 2 else {
            process.terminate()
            throw BrowserError("Chromium did not start within 60 s")
        }
        let connection = DevTools(url: "ws://127.0.0.1:\(lines[0])\(lines[1])")
        return Chromium(process: process, profile: profile, connection: connection)
    }

    private init(process: Process, profile: URL, connection: DevTools) {
        self.process = process
        self.profile = profile
        self.connection = connection
    }

    /// A new tab in a browser context of its own, `width` CSS pixels wide.
    func newPage(width: Int = 1280, height: Int = 900) async throws -> BrowserPage {
        let context = try await connection.command("Target.createBrowserContext", [:])["browserContextId"].string ?? ""
        let target =
            try await connection.command("Target.createTarget", ["url": "about:blank", "browserContextId": context])["targetId"].string ?? ""
        let session = try await connection.command("Target.attachToTarget", ["targetId": target, "flatten": true])["sessionId"].string ?? ""
        let page = BrowserPage(connection: connection, session: session)
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] { _ = try await page.command(domain) }
        try await page.resize(width: width, height: height)
        return page
    }

    /// Ends the browser and removes its profile.
    func close() async {
        _ = try? await connection.command("Browser.close", [:])
        connection.close()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: profile)
    }
}

/// One tab.
final class BrowserPage: Sendable {
    private let connection: DevTools
    let session: String

    fileprivate init(connection: DevTools, session: String) {
        self.connection = connection
        self.session = session
    }

    /// Sends a DevTools command to this page.
    @discardableResult
    func command(_ method: String, _ parameters: [String: any Sendable] = [:]) async throws -> JSON {
        try await connection.command(method, parameters, session: session)
    }

    /// Errors the page logged, threw or failed to load, in order.
    var problems: [String] { connection.problems(of: session) }

    func resize(width: Int, height: Int) async throws {
        try await command(
            "Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600])
    }

    /// Loads `url` and waits for the document to be complete.
    func open(_ url: String) async throws {
        try await command("Page.navigate", ["url": url])
        try await waitFor("document.readyState === 'complete' && location.href !== 'about:blank'", "the page loaded")
    }

    /// Evaluates an expression (awaiting a promise) and answers its value as JSON.
    @discardableResult
    func evaluate(_ expression: String) async throws -> JSON {
        let answer = try await command("Runtime.evaluate", ["expression": expression, "awaitPromise": true, "returnByValue": true])
        if answer["exceptionDetails"].object != nil {
            throw BrowserError("script failed: \(answer["exceptionDetails"]["exception"]["description"].string ?? "\(answer)")\n\(expression)")
        }
        return answer["result"]["value"]
    }

    /// Waits until `condition` (a script expression) is true.
    func waitFor(
        _ condition: String, _ what: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await evaluate("Boolean(\(condition))"))?.bool == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? await evaluate("document.body.innerText"))?.string ?? ""
        Issue.record("timed out waiting for \(what); the page shows:\n\(text.prefix(1500))", sourceLocation: sourceLocation)
        throw BrowserError("timed out waiting for \(what)")
    }

    /// Clicks the first element matching `selector` (after waiting for it).
    func click(_ selector: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitFor("document.querySelector(\(Self.literal(selector)))", "\(selector) to click", sourceLocation: sourceLocation)
        try await evaluate("document.querySelector(\(Self.literal(selector))).click()")
    }

    /// Types into the field as a keyboard would (input events fire).
    func type(_ text: String, into selector: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitFor("document.querySelector(\(Self.literal(selector)))", "\(selector) to type into", sourceLocation: sourceLocation)
        try await evaluate("document.querySelector(\(Self.literal(selector))).focus()")
        try await command("Input.insertText", ["text": text])
    }

    /// Picks files in the file input matching `selector`, as a person would in the file chooser (change fires).
    func pickFiles(_ paths: [String], in selector: String) async throws {
        let root = try await command("DOM.getDocument", ["depth": 0])
        let node = try await command("DOM.querySelector", ["nodeId": root["root"]["nodeId"].int ?? 0, "selector": selector])
        guard let id = node["nodeId"].int, id != 0 else { throw BrowserError("no \(selector) to pick files in") }
        try await command("DOM.setFileInputFiles", ["files": paths, "nodeId": id])
    }

    /// The page's text (what a person reads).
    func text(_ selector: String = "body") async throws -> String {
        try await evaluate("document.querySelector(\(Self.literal(selector)))?.innerText ?? ''").string ?? ""
    }

    /// Saves a PNG of the page as it is now.
    func screenshot(to file: URL) async throws {
        let answer = try await command("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": false])
        guard let data = Data(base64Encoded: answer["data"].string ?? "") else { throw BrowserError("no screenshot data") }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
    }

    /// A JavaScript string literal of `text`.
    static func literal(_ text: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [text])
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}

struct BrowserError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One connection to the browser's DevTools endpoint: commands answered by id, and what pages logged as errors.
private final class DevTools: Sendable {
    private let outgoing: AsyncStream<String>.Continuation
    private let task: Task<Void, any Error>
    private let state = Shared()

    private struct State {
        var next = 0
        var waiting: [Int: CheckedContinuation<JSON, any Error>] = [:]
        var problems: [String: [String]] = [:]
        var closed = false
    }

    /// The state, shared with the connection's task.
    private final class Shared: Sendable {
        let mutex = Mutex(State())
        func withLock<T>(_ body: (inout State) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    init(url: String) {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        outgoing = continuation
        let state = self.state
        var logger = Logger(label: "test.devtools")
        logger.logLevel = .critical
        task = Task { [logger] in
            var ending = "the browser connection closed"
            defer {
                let waiting = state.withLock { state in
                    state.closed = true
                    defer { state.waiting = [:] }
                    return state.waiting
                }
                for continuation in waiting.values { continuation.resume(throwing: BrowserError(ending)) }
            }
            do {
                try await Self.run(url: url, outgoing: stream, state: state, logger: logger)
            } catch {
                ending = "the browser connection failed: \(error)"
                throw error
            }
        }
    }

    private static func run(url: String, outgoing stream: AsyncStream<String>, state: Shared, logger: Logger) async throws {
        try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 26), logger: logger) { inbound, outbound, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await text in stream { try await outbound.write(.text(text)) }
                }
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 26) {
                        guard case .text(let text) = message, let json = try? JSON.parse(Data(text.utf8)) else { continue }
                        DevTools.receive(json, state: state)
                    }
                }
                _ = try await group.next()
                group.cancelAll()
            }
        }
    }

    private static func receive(_ json: JSON, state: Shared) {
        if let id = json["id"].int {
            let continuation = state.withLock { $0.waiting.removeValue(forKey: id) }
            if let message = json["error"]["message"].string {
                continuation?.resume(throwing: BrowserError("DevTools: \(message)"))
            } else {
                continuation?.resume(returning: json["result"])
            }
            return
        }
        let session = json["sessionId"].string ?? ""
        let parameters = json["params"]
        var problem: String?
        switch json["method"].string {
        case "Runtime.consoleAPICalled" where parameters["type"].string == "error":
            problem = "console.error: " + parameters["args"].array.map { $0["value"].string ?? $0["description"].string ?? "" }.joined(separator: " ")
        case "Runtime.exceptionThrown":
            problem =
                "uncaught: "
                + (parameters["exceptionDetails"]["exception"]["description"].string ?? parameters["exceptionDetails"]["text"].string ?? "")
        case "Log.entryAdded" where parameters["entry"]["level"].string == "error":
            problem = "log: " + (parameters["entry"]["text"].string ?? "") + " " + (parameters["entry"]["url"].string ?? "")
        default: break
        }
        if let problem { state.withLock { $0.problems[session, default: []].append(problem) } }
    }

    func command(_ method: String, _ parameters: [String: any Sendable], session: String? = nil) async throws -> JSON {
        try await withCheckedThrowingContinuation { continuation in
            let id: Int? = state.withLock { state in
                guard !state.closed else { return nil }
                state.next += 1
                state.waiting[state.next] = continuation
                return state.next
            }
            guard let id else { return continuation.resume(throwing: BrowserError("the browser connection closed")) }
            var message: [String: Any] = ["id": id, "method": method, "params": parameters]
            if let session { message["sessionId"] = session }
            let data = try! JSONSerialization.data(withJSONObject: message)
            outgoing.yield(String(decoding: data, as: UTF8.self))
        }
    }

    func problems(of session: String) -> [String] {
        state.withLock { $0.problems[session] ?? [] }
    }

    func close() {
        outgoing.finish()
        task.cancel()
    }
}
