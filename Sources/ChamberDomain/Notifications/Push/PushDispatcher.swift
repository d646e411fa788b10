import Foundation

/// Sends what the push outbox holds: the jobs a fan-out transaction wrote claimed for this node (``send(_:claim:)``), and
/// batches it claims itself (``dispatch()``: retries that fell due, jobs a dead node left). Drops those that became
/// pointless (read on another device, device or session gone), sends the rest through their providers at a bounded
/// concurrency per provider, and records each outcome: sent, retried later, dead-lettered, or device removed.
///
/// Claims are leases, renewed while their jobs are being sent, so a node that dies mid-send leaves its jobs to be
/// claimed again a lease later: nothing is lost. A push the provider accepted just before such a death (at most a
/// batch's worth: outcomes are recorded batch by batch) is sent again; it carries the same push id and collapse key,
/// so the device shows it once.
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
    /// A batch of a hand-off: four rounds of the provider's sends.
    private let handOffBatchSize: Int
    private let handOffReadsFreshFor: TimeInterval
    private let lease: TimeInterval
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private let observe: Observer

    /// - Parameters:
    ///   - providers: a client per platform; a job for a platform without one is dead-lettered (visible to admins).
    ///   - concurrency: sends in flight per provider, however many batches are being sent.
    ///   - batchSize: jobs a ``dispatch()`` claims at once (four times `concurrency` when nil).
    ///   - lease: how long a claim holds its batch unless renewed (``defaultLease``).
    ///   - handOffReadsFreshFor: how long what a fan-out read with its pushes is sent as read; a batch of
    ///     ``send(_:claim:)`` that starts later is read again.
    public init(
        outbox: any PushOutboxStore, providers: [DevicePlatform: any PushProvider], schedule: RetrySchedule = RetrySchedule(),
        concurrency: Int = 64, batchSize: Int? = nil, lease: TimeInterval = PushDispatcher.defaultLease, handOffReadsFreshFor: TimeInterval = 1,
        now: @escaping @Sendable () -> Date = Date.init, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        observe: @escaping Observer = { _, _ in }
    ) {
        self.outbox = outbox
        self.providers = providers
        self.schedule = schedule
        permits = providers.mapValues { _ in AsyncPermits(concurrency) }
        self.batchSize = max(1, batchSize ?? concurrency * 4)
        handOffBatchSize = max(1, concurrency * 4)
        self.handOffReadsFreshFor = handOffReadsFreshFor
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
        try await send(claimed, renewing: claim)
        return claimed.count
    }

    /// A claim for jobs written already claimed (``PushClaim``), with this dispatcher's lease from `instant`.
    public func newClaim(at instant: Date) -> PushClaim {
        PushClaim(token: UUID().uuidString, until: instant.addingTimeInterval(lease))
    }

    /// Sends the jobs a fan-out transaction wrote under `claim` (one of ``newClaim(at:)``) in batches of four times
    /// `concurrency`, two sending at once, each batch's outcomes recorded as its sends end, the claim renewed every
    /// third of its lease throughout. Batches leave as the fan-out's transaction read them while that is recent
    /// (`handOffReadsFreshFor`); a batch that starts later is read again first (read positions, sessions, badges as
    /// they then stand, and only jobs whose lease holds), so a large pass, or one slowed by its provider, is checked
    /// as freshly as a claimed batch. A claim that may have lapsed before the first renewal (older than a third of
    /// its lease) is renewed first, keeping what it still holds. Starts no batch once cancelled; what it leaves is
    /// claimed again once the lease lapses.
    public func send(_ handed: [ClaimedPush], claim: PushClaim) async throws {
        // The claim was made just before the fan-out's transaction read what its pushes carry.
        let readAt = claim.until.addingTimeInterval(-lease)
        var pushes = handed
        if now() > claim.until.addingTimeInterval(-lease * 2 / 3) {
            let held = Set(try await outbox.renew(claim: claim.token, until: now().addingTimeInterval(lease)))
            pushes = pushes.filter { held.contains($0.job.id) }
        }
        let size = handOffBatchSize
        let batches = stride(from: 0, to: pushes.count, by: size).map { Array(pushes[$0..<min($0 + size, pushes.count)]) }
        let sent: Result<Void, any Error> = await whileRenewing(every: lease / 3, renewal(of: claim.token)) {
            do {
                // Two batches sending at once, so the provider's sends never wait for a batch's read or record.
                let sending = AsyncPermits(2)
                return .success(
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for batch in batches {
                            await sending.acquire()
                            guard !Task.isCancelled else {
                                sending.release()
                                break
                            }
                            let stale = self.now().timeIntervalSince(readAt) > self.handOffReadsFreshFor
                            group.addTask {
                                let fresh: [ClaimedPush]
                                do {
                                    fresh = stale ? try await self.outbox.held(batch.map(\.job.id), by: claim.token, at: self.now()) : batch
                                } catch {
                                    sending.release()
                                    throw error
                                }
                                let results = await self.sendAll(fresh)
                                sending.release()
                                try await self.record(results, claim: claim.token)
                            }
                        }
                        try await group.waitForAll()
                    })
            } catch {
                return .failure(error)
            }
        }
        try sent.get()
    }

    /// Extends `claim`'s lease by a lease from now.
    private func renewal(of claim: String) -> @Sendable () async throws -> Void {
        let (outbox, lease, now) = (self.outbox, self.lease, self.now)
        return { _ = try await outbox.renew(claim: claim, until: now().addingTimeInterval(lease)) }
    }

    /// Sends jobs `claim` holds, renewing its lease meanwhile, and records their outcomes in one transaction.
    private func send(_ claimed: [ClaimedPush], renewing claim: String) async throws {
        let results = await whileRenewing(every: lease / 3, renewal(of: claim)) { await self.sendAll(claimed) }
        try await record(results, claim: claim)
    }

    /// Records how jobs `claim` holds ended, even if the worker is being stopped, and again after a failure while
    /// the lease holds: what the providers accepted must not be sent again.
    private func record(_ results: [(ClaimedPush, DevicePlatform?, PushJobResult)], claim: String) async throws {
        let outcomes = results.map { ($0.0.job.id, $0.2) }
        let (outbox, now) = (self.outbox, self.now)
        try await recordWithinLease(lease, now: now, renew: renewal(of: claim)) {
            try await outbox.finish(outcomes, claim: claim, at: now())
        }
        for (_, platform, result) in results { observe(platform, result) }
    }

    /// Sends what is worth sending of `claimed`, and how each ended.
    private func sendAll(_ claimed: [ClaimedPush]) async -> [(ClaimedPush, DevicePlatform?, PushJobResult)] {
        var results: [(ClaimedPush, DevicePlatform?, PushJobResult)] = []
        var sendable: [DevicePlatform: [(ClaimedPush, PushAddress)]] = [:]
        for push in claimed {
            if let result = Self.pointless(push) {
                results.append((push, push.address?.platform, result))
            } else if let address = push.address {
                sendable[address.platform, default: []].append((push, address))
            }
        }
        results += await withTaskGroup(of: [(ClaimedPush, DevicePlatform?, PushJobResult)].self) { group in
            for (platform, pushes) in sendable {
                group.addTask { await self.send(pushes, platform: platform) }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        return results
    }

    /// The client of `platform`, if one is configured.
    func provider(for platform: DevicePlatform) -> (any PushProvider)? { providers[platform] }

    /// Whether pushes to `platform` leave the server (not when its provider only records them, or it has none).
    public func delivers(to platform: DevicePlatform) -> Bool { providers[platform]?.delivers ?? false }

    /// Why a claimed job is not to be sent at all, if it is not.
    static func pointless(_ push: ClaimedPush) -> PushJobResult? {
        if push.address == nil { return .cancelled(reason: "device_removed") }
        if push.job.channelID != nil, push.readSeq >= push.job.seq { return .cancelled(reason: "read") }
        return nil
    }

    /// The pushes of one provider, each sent holding one of the provider's permits, and how each ended; none is
    /// started once cancelled.
    private func send(_ pushes: [(ClaimedPush, PushAddress)], platform: DevicePlatform) async -> [(ClaimedPush, DevicePlatform?, PushJobResult)] {
        guard let provider = providers[platform], let permits = permits[platform] else {
            return pushes.map { ($0.0, platform, .deadLettered(error: "\(platform.rawValue)_not_configured")) }
        }
        return await withTaskGroup(of: (ClaimedPush, DevicePlatform?, PushJobResult).self) { group in
            for (push, address) in pushes {
                await permits.acquire()
                // Stopping: what is not sent stays claimed, and is claimed again once the lease lapses.
                guard !Task.isCancelled else {
                    permits.release()
                    break
                }
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
