import Foundation

/// Sends what the webhook outbox holds: claims due deliveries, posts each, and records how it went: delivered, tried
/// again later with backoff (a `Retry-After` honoured), or failed for good after the schedule's last attempt.
public final class WebhookDispatcher: Sendable {
    /// How long a claim holds its deliveries unless renewed: what a node's death delays them by.
    public static let lease: TimeInterval = 60

    private let outbox: any WebhookOutboxStore
    private let transport: any WebhookTransport
    private let schedule: RetrySchedule
    private let concurrency: Int
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double

    /// - Parameter concurrency: deliveries posted at once.
    public init(
        outbox: any WebhookOutboxStore, transport: any WebhookTransport, schedule: RetrySchedule = WebhookDispatcher.schedule(base: 30),
        concurrency: Int = 8, now: @escaping @Sendable () -> Date = Date.init,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.outbox = outbox
        self.transport = transport
        self.schedule = schedule
        self.concurrency = max(1, concurrency)
        self.now = now
        self.random = random
    }

    /// Twelve attempts, the waits doubling from `base` up to six hours apart: about half a day from a 30 s base,
    /// for endpoints down for a deploy or a night.
    public static func schedule(base: TimeInterval) -> RetrySchedule {
        RetrySchedule(base: base, cap: 6 * 3_600, maxAttempts: 12)
    }

    /// Claims and posts one batch of due deliveries; returns how many it claimed (0: nothing is due).
    @discardableResult
    public func dispatch() async throws -> Int {
        let (outbox, now, concurrency) = (self.outbox, self.now, self.concurrency)
        return try await sendLeasedBatch(
            lease: Self.lease, now: now, claim: { try await outbox.claim(limit: concurrency, at: now(), lease: Self.lease, claim: $0) },
            renew: { try await outbox.renew(claim: $0, until: $1) },
            send: { delivery in (delivery.id, self.result(of: await self.transport.post(delivery, at: now()), attempts: delivery.attempts)) },
            finish: { try await outbox.finish($0, claim: $1, at: now()) }
        ).count
    }

    /// What the outbox records for `outcome`, the `attempts`-th attempt.
    public func result(of outcome: WebhookOutcome, attempts: Int) -> WebhookResult {
        switch outcome {
        case .delivered(let status): return .delivered(statusCode: status)
        case .failed(let status, let error, let retryAfter):
            guard let delay = schedule.delay(afterAttempt: attempts, retryAfter: retryAfter, random: random()) else {
                return .failed(statusCode: status, error: "\(error) (after \(attempts) attempts)")
            }
            return .retry(at: now().addingTimeInterval(delay), statusCode: status, error: error)
        }
    }
}
