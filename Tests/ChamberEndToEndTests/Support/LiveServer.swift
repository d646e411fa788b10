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

    let port: Int?
    private let client: TestClient

    fileprivate init(port: Int, client: TestClient) {
        self.port = port
        self.client = client
    }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> Response {
        var headers = headers
        headers[.connection] = "keep-alive"
        let response = try await client.execute(TestClient.Request(uri, method: method, authority: "localhost", headers: headers, body: body))
        return Response(status: response.status, headers: response.head.headerFields, body: response.body ?? ByteBuffer())
    }
}

/// Runs the application `makeApplication` builds (handed the callback that learns its port) until `test` ends, then
/// stops it gracefully.
///
/// HummingbirdTesting's `.live` waits for the port without end: a server that failed before it listened (a migration
/// refused, a database out of connections) left its test, and the whole run, waiting until CI's time ran out. Here
/// that failure fails the test, and a server still stopping after `stopWithin` is cancelled and fails it too.
func withLiveServer<App: ApplicationProtocol>(
    stopWithin: Duration = .seconds(60),
    _ makeApplication: (@escaping @Sendable (any Channel) async -> Void) -> App,
    _ test: (LiveClient) async throws -> Void
) async throws {
    let (ports, announce) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
    let application = makeApplication { channel in announce.yield(channel.localAddress?.port ?? 0) }
    var configuration = ServiceGroupConfiguration(services: [application], logger: application.logger)
    configuration.maximumGracefulShutdownDuration = stopWithin
    let services = ServiceGroup(configuration: configuration)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { announce.finish() }
            try await services.run()
        }
        var listening = ports.makeAsyncIterator()
        guard let port = await listening.next(), port > 0 else {
            // It stopped before it listened: its own error says why.
            try await group.waitForAll()
            throw TestBackendError("the server stopped before it listened, without an error")
        }
        let client = TestClient(host: "localhost", port: port, configuration: .init(timeout: .seconds(20)))
        client.connect()
        let outcome: Result<Void, any Error>
        do {
            try await test(LiveClient(port: port, client: client))
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try? await client.shutdown()
        let stopping = ContinuousClock.now
        await services.triggerGracefulShutdown()
        try await group.waitForAll()
        let took = ContinuousClock.now - stopping
        #expect(took < stopWithin, "the server took \(took) to stop: a service does not end on a graceful shutdown")
        try outcome.get()
    }
}
