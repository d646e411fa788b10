import Foundation

/// Sends what the mail outbox holds: claims due mails, hands each to the transport, and records how it went: sent,
/// recorded (no relay), tried again later with backoff, or given up on.
public final class MailDispatcher: Sendable {
    /// How long a claim holds its mails unless renewed (every third of it, while they are being sent, however slow
    /// the relay): what a node's death delays its mails by.
    public static let lease: TimeInterval = 60

    private let outbox: any MailOutboxStore
    private let transport: any MailTransport
    private let schedule: RetrySchedule
    private let concurrency: Int
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private let observe: @Sendable (MailResult) -> Void

    /// - Parameters:
    ///   - concurrency: mails handed over at once, each on its own connection.
    ///   - observe: told how each attempt ended, for counters.
    public init(
        outbox: any MailOutboxStore, transport: any MailTransport, schedule: RetrySchedule, concurrency: Int = 8,
        now: @escaping @Sendable () -> Date = Date.init, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        observe: @escaping @Sendable (MailResult) -> Void = { _ in }
    ) {
        self.outbox = outbox
        self.transport = transport
        self.schedule = schedule
        self.concurrency = max(1, concurrency)
        self.now = now
        self.random = random
        self.observe = observe
    }

    /// Claims and sends one batch of due mails; returns how many it claimed (0: nothing is due).
    @discardableResult
    public func dispatch() async throws -> Int {
        let (outbox, now, concurrency) = (self.outbox, self.now, self.concurrency)
        let results = try await sendLeasedBatch(
            lease: Self.lease, now: now, claim: { try await outbox.claim(limit: concurrency, at: now(), lease: Self.lease, claim: $0) },
            renew: { try await outbox.renew(claim: $0, until: $1) },
            send: { delivery in (delivery.id, self.result(of: await self.transport.deliver(delivery.mail), attempts: delivery.attempts)) },
            finish: { try await outbox.finish($0, claim: $1, at: now()) })
        for (_, result) in results { observe(result) }
        return results.count
    }

    /// What the outbox records for `outcome`, the `attempts`-th attempt.
    func result(of outcome: MailOutcome, attempts: Int) -> MailResult {
        switch outcome {
        case .accepted: .sent
        case .recorded: .recorded
        case .rejected(let error): .failed(error: error)
        case .failedForNow(let error):
            if let delay = schedule.delay(afterAttempt: attempts, retryAfter: nil, random: random()) {
                .retry(at: now().addingTimeInterval(delay), error: error)
            } else {
                .failed(error: "\(error) (after \(attempts) attempts)")
            }
        }
    }
}
