import Foundation

/// Keeps a claim alive while its work runs: `renew` is called every `interval` until `body` returns, so a batch
/// slower than its lease is not claimed by a second worker, and a worker that dies stops renewing and frees its
/// claim a lease later. A renewal that fails is tried again at the next interval.
func whileRenewing<T: Sendable>(
    every interval: TimeInterval, _ renew: @escaping @Sendable () async throws -> Void, _ body: () async -> T
) async -> T {
    await withTaskGroup(of: Void.self) { group in
        group.addTask {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
                guard !Task.isCancelled else { return }
                try? await renew()
            }
        }
        let value = await body()
        group.cancelAll()
        return value
    }
}

/// Runs `work` to its end even when the caller is cancelled (an unstructured task does not inherit cancellation):
/// for recording what was already done, such as a batch's outcomes after its sends, which must not be lost to a
/// shutdown between the send and the record.
func uncancelled<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task { try await work() }.value
}

/// Records what a batch's sends came to, even when the caller is cancelled, and tries again within a lease's worth
/// of waits (renewing the lease before each new try, the waits doubling from 100 ms): outcomes not recorded are sent
/// a second time once the lease runs out, so a database away for a moment (a deadlock, its connections all busy) must
/// not lose them. Throws the last failure once the next wait would take the waits, or the time since the first try
/// (by `now`, the node's clock; tries that wait for an unreachable database included), past the lease, so a node
/// stopping is held up by a lease at most. A record that lands after another worker took the lease over changes
/// nothing: outboxes record only rows still under the claim.
func recordWithinLease(
    _ lease: TimeInterval, now: @escaping @Sendable () -> Date, renew: @escaping @Sendable () async throws -> Void,
    _ record: @escaping @Sendable () async throws -> Void
) async throws {
    try await uncancelled {
        let start = now()
        var waited: TimeInterval = 0
        var wait: TimeInterval = 0.1
        while true {
            do {
                return try await record()
            } catch {
                let pause = Duration.milliseconds(Int64(wait * 1000))
                guard waited + wait < lease, now().timeIntervalSince(start) + wait < lease else { throw error }
                try? await renew()
                try? await Task.sleep(for: pause)
                waited += wait
                wait = min(wait * 2, 5)
            }
        }
    }
}

/// One batch of a leased outbox (mail, webhooks): claims items under a new claim id, sends them all at once while
/// the lease is renewed, and records their results together even if the caller is cancelled (what was sent must not
/// go twice; ``recordWithinLease(_:now:renew:_:)``). Returns the results, one per item claimed; none when nothing was due.
func sendLeasedBatch<Item: Sendable, Outcome: Sendable>(
    lease: TimeInterval, now: @escaping @Sendable () -> Date, claim: (String) async throws -> [Item],
    renew: @escaping @Sendable (String, Date) async throws -> Void, send: @escaping @Sendable (Item) async -> (id: String, result: Outcome),
    finish: @escaping @Sendable ([(id: String, result: Outcome)], String) async throws -> Void
) async throws -> [(id: String, result: Outcome)] {
    let claimID = UUID().uuidString
    let claimed = try await claim(claimID)
    guard !claimed.isEmpty else { return [] }
    let results = await whileRenewing(every: lease / 3, { try await renew(claimID, now().addingTimeInterval(lease)) }) {
        await withTaskGroup(of: (id: String, result: Outcome).self) { group in
            for item in claimed { group.addTask { await send(item) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
    }
    try await recordWithinLease(lease, now: now, renew: { try await renew(claimID, now().addingTimeInterval(lease)) }) {
        try await finish(results, claimID)
    }
    return results
}
