import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Sends an outbox (pushes, mail) in the background: at once when this node queued something (a poke), and whenever
/// the earliest retry falls due or `sweep` passed, for what other nodes queued or left behind when they died.
final class OutboxWorker: Service, Sendable {
    /// What the worker drives.
    struct Outbox: Sendable {
        /// What is sent, for the logs ("push", "mail").
        let name: String
        /// Claims and sends one batch; returns how many it claimed (0: nothing is due).
        let dispatch: @Sendable () async throws -> Int
        /// When the earliest pending item is due, if any.
        let nextDue: @Sendable () async throws -> Date?
        /// Forgets what ended long enough ago, now; returns how many.
        let prune: @Sendable (Date) async throws -> Int
    }

    private let outbox: Outbox
    private let lanes: Int
    private let sweep: Duration
    private let logger: Logger
    private let ready: @Sendable () -> Bool
    private let wakeUps: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let handed: AsyncStream<@Sendable () async throws -> Void>
    private let hand: AsyncStream<@Sendable () async throws -> Void>.Continuation
    private let lastPrune = Mutex(Date.distantPast)
    private let now: @Sendable () -> Date

    /// - Parameter lanes: batches claimed and sent at once, so that one batch's claim and outcome writes overlap
    ///   another's sending.
    /// - Parameter now: the node's time (``NodeClock``), which items' due times are written in.
    init(
        _ outbox: Outbox, lanes: Int = 1, sweep: Duration, logger: Logger, now: @escaping @Sendable () -> Date,
        ready: @escaping @Sendable () -> Bool
    ) {
        self.now = now
        self.outbox = outbox
        self.lanes = max(1, lanes)
        self.sweep = sweep
        self.logger = logger
        self.ready = ready
        (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        (handed, hand) = AsyncStream.makeStream(of: (@Sendable () async throws -> Void).self)
    }

    /// Something was queued on this node.
    func poke() { wake.yield() }

    /// Sends jobs this node claimed already (a fan-out wrote its pushes claimed): at once, beside the claims.
    /// Handed before the worker runs, they wait for it; handed after it stopped, they are dropped. Either way what
    /// is not sent is claimed again, by any node, once the claim lapses.
    func send(_ claimed: @escaping @Sendable () async throws -> Void) { hand.yield(claimed) }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Wakes for retries falling due and for other nodes' items.
                    while !Task.isCancelled {
                        try? await Task.sleep(for: await self.untilNextDue())
                        self.wake.yield()
                    }
                }
                group.addTask {
                    await withDiscardingTaskGroup { sends in
                        for await claimed in self.handed {
                            sends.addTask { await self.report { try await claimed() } }
                        }
                    }
                }
                for await _ in self.wakeUps where self.ready() {
                    await self.drain()
                }
                group.cancelAll()
            }
        }
    }

    /// The sleep before looking again: until the earliest pending item is due, at most `sweep`.
    private func untilNextDue() async -> Duration {
        let longest = sweep > .zero ? sweep : .seconds(1)
        guard ready(), let due = try? await outbox.nextDue() else { return longest }
        let wait = due.timeIntervalSince(now())
        return wait <= 0 ? .milliseconds(20) : min(longest, .milliseconds(Int64(wait * 1000) + 1))
    }

    private func drain() async {
        await report {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<self.lanes {
                    group.addTask { while try await self.outbox.dispatch() > 0 {} }
                }
                try await group.waitForAll()
            }
            try await self.pruneDaily()
        }
    }

    /// Runs `work`, logging its failure.
    private func report(_ work: () async throws -> Void) async {
        do {
            try await work()
        } catch is CancellationError {
            // Shutting down: what was claimed is claimed again once its lease ends.
        } catch {
            logger.warning(
                "\(outbox.name) dispatch failed; what it claimed is claimed again when the claim lapses, the rest at the next wake-up",
                metadata: ["error": "\(error)"])
        }
    }

    private func pruneDaily() async throws {
        let now = now()
        let due = lastPrune.withLock { last in
            guard now.timeIntervalSince(last) > 86_400 else { return false }
            last = now
            return true
        }
        guard due else { return }
        let pruned = try await outbox.prune(now)
        if pruned > 0 { logger.info("pruned finished \(outbox.name)", metadata: ["count": "\(pruned)"]) }
    }
}
