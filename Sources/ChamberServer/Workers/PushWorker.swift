import ChamberDomain
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Sends the push outbox in the background: at once when this node's fan-out queued pushes (a poke), and whenever
/// the earliest retry falls due or `sweep` passed, for jobs other nodes queued or left behind when they died.
final class PushWorker: Service, Sendable {
    private let dispatcher: PushDispatcher
    private let outbox: any PushOutboxStore
    private let sweep: Duration
    private let logger: Logger
    private let ready: @Sendable () -> Bool
    private let wakeUps: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let lastPrune = Mutex(Date.distantPast)

    /// Finished jobs are kept this long for the counts; dead letters longer, for admins to look into.
    static let keepFinished: TimeInterval = 7 * 86_400
    static let keepDeadLetters: TimeInterval = 30 * 86_400

    init(dispatcher: PushDispatcher, outbox: any PushOutboxStore, sweep: Duration, logger: Logger, ready: @escaping @Sendable () -> Bool) {
        self.dispatcher = dispatcher
        self.outbox = outbox
        self.sweep = sweep
        self.logger = logger
        self.ready = ready
        (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Pushes were queued on this node.
    func poke() { wake.yield() }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Wakes for retries falling due and for other nodes' jobs.
                    while !Task.isCancelled {
                        try? await Task.sleep(for: await self.untilNextDue())
                        self.wake.yield()
                    }
                }
                for await _ in self.wakeUps where self.ready() {
                    await self.drain()
                }
                group.cancelAll()
            }
        }
    }

    /// The sleep before looking again: until the earliest pending job is due, at most `sweep`.
    private func untilNextDue() async -> Duration {
        let longest = sweep > .zero ? sweep : .seconds(1)
        guard ready(), let due = try? await outbox.nextDue() else { return longest }
        let wait = due.timeIntervalSinceNow
        return wait <= 0 ? .milliseconds(20) : min(longest, .milliseconds(Int64(wait * 1000) + 1))
    }

    private func drain() async {
        do {
            while try await dispatcher.dispatch() > 0 {}
            try await pruneDaily()
        } catch {
            logger.warning("push dispatch failed; the next wake-up retries", metadata: ["error": "\(error)"])
        }
    }

    private func pruneDaily() async throws {
        let now = Date()
        let due = lastPrune.withLock { last in
            guard now.timeIntervalSince(last) > 86_400 else { return false }
            last = now
            return true
        }
        guard due else { return }
        let pruned = try await outbox.prune(
            finishedBefore: now.addingTimeInterval(-Self.keepFinished), deadLettersBefore: now.addingTimeInterval(-Self.keepDeadLetters))
        if pruned > 0 { logger.info("pruned finished pushes", metadata: ["count": "\(pruned)"]) }
    }
}
