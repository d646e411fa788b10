import ChamberTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServiceLifecycle
import Testing

/// A client of a test's live server: HummingbirdTesting's, on the port the server was given.
struct LiveClient: Sendable {
    /// A response, its body read whole.
    struct Response: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: ByteBuffer
    }

    /// How long a request waits for its answer.
    static let timeout = Duration.seconds(20)

    let port: Int?
    private let client: TestClient

    fileprivate init(port: Int, client: TestClient) {
        self.port = port
        self.client = client
    }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> Response {
        var headers = headers
        headers[.connection] = "keep-alive"
        // HummingbirdTesting's own timeout throws only once the wait for the answer ends, which it never does when no
        // answer comes: closing the connection ends that wait (the request fails, and so does the test).
        let client = self.client
        let watchdog = Task {
            try await Task.sleep(for: Self.timeout + .seconds(5))
            try await client.getChannel().close()
        }
        defer { watchdog.cancel() }
        let response = try await client.execute(TestClient.Request(uri, method: method, authority: "localhost", headers: headers, body: body))
        return Response(status: response.status, headers: response.head.headerFields, body: response.body ?? ByteBuffer())
    }
}

/// Runs the application `makeApplication` builds (handed the callback that learns its port) until `test` ends, then
/// stops it gracefully.
///
/// HummingbirdTesting's `.live` waits for the port without end: a server that failed before it listened (a migration
/// refused, a database out of connections) left its test, and the whole run, waiting until CI's time ran out. Here
/// that failure fails the test; a server not listening after `startWithin`, or still stopping after `stopWithin`, is
/// cancelled and fails it too. A server that ignores cancellation cannot be cut short, but the test has then recorded
/// why it waits, and the run's log names it.
func withLiveServer<App: ApplicationProtocol, Result: Sendable>(
    startWithin: Duration = .seconds(240), stopWithin: Duration = .seconds(60),
    _ makeApplication: (@escaping @Sendable (any Channel) async -> Void) throws -> App,
    _ test: (LiveClient) async throws -> Result
) async throws -> Result {
    let (ports, announce) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
    let application = try makeApplication { channel in announce.yield(channel.localAddress?.port ?? 0) }
    var configuration = ServiceGroupConfiguration(services: [application], logger: application.logger)
    configuration.maximumGracefulShutdownDuration = stopWithin
    let services = ServiceGroup(configuration: configuration)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { announce.finish() }
            try await services.run()
        }
        let startAlarm = Task {
            try await Task.sleep(for: startWithin)
            Issue.record("the server is not listening after \(startWithin): cancelling it")
            announce.finish()
        }
        var listening = ports.makeAsyncIterator()
        let port = await listening.next()
        startAlarm.cancel()
        guard let port, port > 0 else {
            // It stopped before it listened (its own error says why), or took too long and is cancelled.
            group.cancelAll()
            try await group.waitForAll()
            throw TestBackendError("the server stopped before it listened, without an error")
        }
        let client = TestClient(host: "localhost", port: port, configuration: .init(timeout: LiveClient.timeout))
        client.connect()
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await test(LiveClient(port: port, client: client)))
        } catch {
            outcome = .failure(error)
        }
        try? await client.shutdown()
        let stopping = ContinuousClock.now
        await services.triggerGracefulShutdown()
        let stopAlarm = Task {
            try await Task.sleep(for: stopWithin + .seconds(30))
            Issue.record("the server has not stopped \(stopWithin + .seconds(30)) after the test, cancelled or not: a service ignores both")
        }
        defer { stopAlarm.cancel() }
        try await group.waitForAll()
        let took = ContinuousClock.now - stopping
        #expect(took < stopWithin, "the server took \(took) to stop: a service does not end on a graceful shutdown")
        return try outcome.get()
    }
}
