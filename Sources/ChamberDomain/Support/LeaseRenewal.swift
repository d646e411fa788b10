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
