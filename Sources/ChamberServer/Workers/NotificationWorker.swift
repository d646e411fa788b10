import ChamberDomain
import Logging
import ServiceLifecycle
import Synchronization

/// Runs the notification fan-out in the background: at once for the channels this node stored a message in (a
/// poke), and every `sweep` over every channel, for messages other nodes stored and did not get to (one that
/// crashed, say).
///
/// Which node notifies a message does not matter: ``NotificationFanout`` records each channel's progress so that every
/// message is notified once. Pokes that come while a pass runs fold into the next.
final class NotificationWorker: Service, Sendable {
    private struct ChannelKey: Hashable {
        let chamber: ChamberID
        let channel: ChannelID
    }

    private let fanout: NotificationFanout
    private let sweep: Duration
    private let logger: Logger
    private let ready: @Sendable () -> Bool
    private let poked = Mutex<Set<ChannelKey>>([])
    private let sweepDue = Mutex(true)
    private let wakeUps: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// Rest after a pass, per unit of time the pass took: 3 caps the fan-out at a quarter of one core.
    static let restPerWork = 3
    static let longestRest = Duration.seconds(1)

    /// - Parameters:
    ///   - sweep: how often every channel is looked at; zero for never.
    ///   - ready: whether the database is migrated; the worker waits until it is.
    init(fanout: NotificationFanout, sweep: Duration, logger: Logger, ready: @escaping @Sendable () -> Bool) {
        self.fanout = fanout
        self.sweep = sweep
        self.logger = logger
        self.ready = ready
        (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// A message was stored on this node in `channel`.
    func poke(chamber: ChamberID, channel: ChannelID) {
        let key = ChannelKey(chamber: chamber, channel: channel)
        _ = poked.withLock { $0.insert(key) }
        wake.yield()
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                if self.sweep > .zero {
                    group.addTask {
                        while !Task.isCancelled {
                            try? await Task.sleep(for: self.sweep)
                            self.sweepDue.withLock { $0 = true }
                            self.wake.yield()
                        }
                    }
                }
                // The only reader of the stream: it ends with the task's cancellation.
                let clock = ContinuousClock()
                for await _ in self.wakeUps where self.ready() {
                    let took = await clock.measure { await self.pass() }
                    // Sends come first: the fan-out rests a multiple of what its pass took, so it uses at most a
                    // share of one core. Under overload notifications fall behind and catch up after (exactly once
                    // still); at ordinary load a pass takes a few milliseconds and the rest is short. The rest is
                    // capped: a machine starved for seconds (a pass of 10 s) must not leave notifications 30 s late.
                    try? await Task.sleep(for: min(took * Self.restPerWork, Self.longestRest))
                }
                group.cancelAll()
            }
        }
    }

    private func pass() async {
        let channels = poked.withLock { keys in
            defer { keys.removeAll() }
            return keys
        }
        let sweeping =
            sweep > .zero
            && sweepDue.withLock { due in
                defer { due = false }
                return due
            }
        do {
            for (chamber, keys) in Dictionary(grouping: channels, by: \.chamber) {
                var remaining = keys.map(\.channel)
                // A channel with more than one pass of work goes on until it is done.
                while !remaining.isEmpty {
                    remaining = try await fanout.process(chamberID: chamber, channelIDs: remaining).unfinished
                }
            }
            if sweeping { try await fanout.drain() }
        } catch {
            logger.warning("notification fan-out failed; the next sweep retries", metadata: ["error": "\(error)"])
        }
    }
}

/// The hub as the chat services' publisher, poking the notification worker when a message is published.
struct NotifyingPublisher: ChannelEventPublisher {
    let hub: any ChannelEventPublisher
    let worker: NotificationWorker

    func publish(_ event: ChannelEvent) async {
        await hub.publish(event)
        if case .message = event.body { worker.poke(chamber: event.chamberID, channel: event.channelID) }
    }

    func channelChanged(_ channel: Channel, members: [UserID], revoked: Bool) async {
        await hub.channelChanged(channel, members: members, revoked: revoked)
    }
}
