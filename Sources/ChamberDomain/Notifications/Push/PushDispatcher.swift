import Foundation

/// Sends what the push outbox holds: claims due jobs, drops those that became pointless (read on another device,
/// device or session gone), sends the rest through their providers at a bounded concurrency per provider, and
/// records each outcome: sent, retried later, dead-lettered, or device removed.
///
/// Claims are leases, renewed while the batch is being sent, so a node that dies mid-send leaves its jobs to be
/// claimed again a lease later: nothing is lost. A push the provider accepted just before such a death is sent
/// again; it carries the same push id and collapse key, so the device shows it once.
public final class PushDispatcher: Sendable {
    /// How long a claim holds its batch without renewal: what a node's death delays its pushes by. The claimant
    /// renews every third of it, so a batch may take longer (a provider timing out) without a second claimant.
    public static let defaultLease: TimeInterval = 30

    /// How one job ended, for counters.
    public typealias Observer = @Sendable (_ platform: DevicePlatform?, _ result: PushJobResult) -> Void

    private let outbox: any PushOutboxStore
    private let providers: [DevicePlatform: any PushProvider]
    private let schedule: RetrySchedule
    private let permits: [DevicePlatform: AsyncPermits]
    private let batchSize: Int
    private let lease: TimeInterval
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private let observe: Observer

    /// - Parameters:
    ///   - providers: a client per platform; a job for a platform without one is dead-lettered (visible to admins).
    ///   - concurrency: sends in flight per provider, however many batches are being sent.
    ///   - batchSize: jobs a ``dispatch()`` claims at once (four times `concurrency` when nil).
    ///   - lease: how long a claim holds its batch unless renewed (``defaultLease``).
    public init(
        outbox: any PushOutboxStore, providers: [DevicePlatform: any PushProvider], schedule: RetrySchedule = RetrySchedule(),
        concurrency: Int = 64, batchSize: Int? = nil, lease: TimeInterval = PushDispatcher.defaultLease,
        now: @escaping @Sendable () -> Date = Date.init, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        observe: @escaping Observer = { _, _ in }
    ) {
        self.outbox = outbox
        self.providers = providers
        self.schedule = schedule
        permits = providers.mapValues { _ in AsyncPermits(concurrency) }
        self.batchSize = max(1, batchSize ?? concurrency * 4)
        self.lease = lease
        self.now = now
        self.random = random
        self.observe = observe
    }

    /// Claims and sends one batch of due jobs; returns how many it claimed (0: nothing is due). Outcomes are
    /// recorded together, in one transaction per batch.
    @discardableResult
    public func dispatch() async throws -> Int {
        let claim = UUID().uuidString
        let claimed = try await outbox.claim(limit: batchSize, at: now(), lease: lease, claim: claim)
        guard !claimed.isEmpty else { return 0 }
        try await send(claimed, claim: claim)
        return claimed.count
    }

    /// A claim for jobs written already claimed (``PushClaim``), with this dispatcher's lease from `instant`.
    public func newClaim(at instant: Date) -> PushClaim {
        PushClaim(token: UUID().uuidString, until: instant.addingTimeInterval(lease))
    }

    /// Sends jobs `claim` holds and records their outcomes, as ``dispatch()`` does after its claim: for jobs written
    /// under a claim of ``newClaim(at:)``.
    public func send(_ claimed: [ClaimedPush], claim: String) async throws {
        var results: [(ClaimedPush, DevicePlatform?, PushJobResult)] = []
        var sendable: [DevicePlatform: [(ClaimedPush, PushAddress)]] = [:]
        for push in claimed {
            if let result = Self.pointless(push) {
                results.append((push, push.address?.platform, result))
            } else if let address = push.address {
                sendable[address.platform, default: []].append((push, address))
            }
        }
        let (outbox, lease, now) = (self.outbox, self.lease, self.now)
        results += await whileRenewing(every: lease / 3, { try await outbox.renew(claim: claim, until: now().addingTimeInterval(lease)) }) {
            await withTaskGroup(of: [(ClaimedPush, DevicePlatform?, PushJobResult)].self) { group in
                for (platform, pushes) in sendable {
                    group.addTask { await self.send(pushes, platform: platform) }
                }
                return await group.reduce(into: []) { $0 += $1 }
            }
        }
        // Recorded even if the worker is being stopped, and again after a failure while the lease holds: what the
        // providers accepted must not be sent again.
        let outcomes = results.map { ($0.0.job.id, $0.2) }
        try await recordWithinLease(lease, now: now, renew: { try await outbox.renew(claim: claim, until: now().addingTimeInterval(lease)) }) {
            try await outbox.finish(outcomes, claim: claim, at: now())
        }
        for (_, platform, result) in results { observe(platform, result) }
    }

    /// The client of `platform`, if one is configured.
    func provider(for platform: DevicePlatform) -> (any PushProvider)? { providers[platform] }

    /// Whether pushes to `platform` leave the server (not when its provider only records them, or it has none).
    public func delivers(to platform: DevicePlatform) -> Bool { providers[platform]?.delivers ?? false }

    /// Why a claimed job is not to be sent at all, if it is not.
    static func pointless(_ push: ClaimedPush) -> PushJobResult? {
        if push.address == nil { return .cancelled(reason: "device_removed") }
        if push.readSeq >= push.job.seq { return .cancelled(reason: "read") }
        return nil
    }

    /// The pushes of one provider, each sent holding one of the provider's permits, and how each ended.
    private func send(_ pushes: [(ClaimedPush, PushAddress)], platform: DevicePlatform) async -> [(ClaimedPush, DevicePlatform?, PushJobResult)] {
        guard let provider = providers[platform], let permits = permits[platform] else {
            return pushes.map { ($0.0, platform, .deadLettered(error: "\(platform.rawValue)_not_configured")) }
        }
        return await withTaskGroup(of: (ClaimedPush, DevicePlatform?, PushJobResult).self) { group in
            for (push, address) in pushes {
                await permits.acquire()
                group.addTask {
                    defer { permits.release() }
                    let outcome = await provider.send(PushMessage(push, at: self.now()), to: address)
                    return (push, platform, self.result(of: outcome, attempt: push.job.attempts))
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// What the outbox records for a provider's answer to attempt number `attempt`.
    func result(of outcome: PushOutcome, attempt: Int) -> PushJobResult {
        switch outcome {
        case .accepted:
            return .sent
        case .deviceGone(let reason):
            return .deviceGone(error: reason)
        case .rejected(let reason):
            return .deadLettered(error: reason)
        case .retry(let reason, let retryAfter):
            guard let delay = schedule.delay(afterAttempt: attempt, retryAfter: retryAfter, random: random()) else {
                return .deadLettered(error: "\(reason) (after \(attempt) attempts)")
            }
            return .retry(at: now().addingTimeInterval(delay), error: reason)
        }
    }

}
