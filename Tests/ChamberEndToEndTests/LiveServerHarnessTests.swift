import ChamberTestSupport
import Hummingbird
import Testing

/// The harness every end-to-end test runs its server in: a server that cannot start must fail its test, not hang it.
@Suite("The live-server harness")
struct LiveServerHarnessTests {
    struct RefusedStart: Error, Equatable {}

    @Test("a server that fails before it listens fails the test with its error; one that starts is stopped after the test")
    func failedStart() async throws {
        await #expect(throws: RefusedStart.self) {
            try await withLiveServer({ running in
                var application = Application(
                    router: Router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: running)
                application.beforeServerStarts { throw RefusedStart() }
                return application
            }) { _ in Issue.record("the test ran against a server that never started") }
        }
        let router = Router()
        router.get("/") { _, _ in "up" }
        try await withLiveServer({ Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: $0) })
        {
            client in
            let response = try await client.executeRequest(uri: "/", method: .get, headers: [:], body: nil)
            #expect(response.status == .ok && String(buffer: response.body) == "up")
        }
    }
}
