import Logging
import ServiceLifecycle

/// Runs a job now and then, on every node: for work that is safe to run anywhere and more than once (the daily
/// membership standing job writes each change once, by revision). The first run comes soon after start, so a node
/// that was down on the day catches up at once.
final class PeriodicJob: Service, Sendable {
    private let name: String
    private let interval: Duration
    private let logger: Logger
    private let ready: @Sendable () -> Bool
    private let job: @Sendable () async throws -> Int

    /// - Parameters:
    ///   - interval: between runs; zero for never.
    ///   - job: returns how many things it changed, for the log.
    init(
        name: String, every interval: Duration, logger: Logger, ready: @escaping @Sendable () -> Bool, job: @escaping @Sendable () async throws -> Int
    ) {
        self.name = name
        self.interval = interval
        self.logger = logger
        self.ready = ready
        self.job = job
    }

    func run() async throws {
        guard interval > .zero else {
            // Nothing to run; a service that returned at once would take the node down with it.
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if self.ready() {
                    do {
                        let changed = try await self.job()
                        if changed > 0 { self.logger.info("\(self.name) ran", metadata: ["changed": "\(changed)"]) }
                    } catch is CancellationError {
                        return
                    } catch {
                        self.logger.warning("\(self.name) failed; it runs again later", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: self.interval)
                } else {
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        }
    }
}
