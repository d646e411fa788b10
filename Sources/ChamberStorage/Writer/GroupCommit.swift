import Synchronization

/// Group commit: requests that arrive while a batch is being stored wait, and go together in the next batch.
///
/// No task of its own. The first request to find the queue idle leads: it takes what is queued (itself first),
/// stores it with `store`, answers every request of the batch, and hands the lead to the oldest request that came
/// meanwhile, whose caller then stores the next batch. A lone request is stored at once; it never waits for company.
/// Under load each batch carries everything that queued during the one before, bounded by count and bytes, so the
/// database sees one transaction (one fsync) per batch instead of one per request.
///
/// `store` answers each request of a batch, in order. When its transaction fails it answers every request with the
/// error: a batch commits whole or not at all, and nobody is told "stored" for a request that was not.
public final class GroupCommit<Request: Sendable, Answer: Sendable>: Sendable {
    /// How much one batch may carry. A batch takes at least one request, whatever its size.
    public struct Limits: Sendable {
        public var maxCount: Int
        public var maxBytes: Int

        public init(maxCount: Int = 256, maxBytes: Int = 4 << 20) {
            self.maxCount = maxCount
            self.maxBytes = maxBytes
        }
    }

    public typealias Store = @Sendable ([Request]) async -> [Result<Answer, any Error>]

    private enum Turn: Sendable {
        case lead
        case answered(Result<Answer, any Error>)
    }

    private struct Waiter: Sendable {
        let id: UInt64
        let request: Request
        let bytes: Int
        let continuation: CheckedContinuation<Turn, Never>
    }

    private struct State: Sendable {
        var queue: [Waiter] = []
        /// Whether a leader is storing a batch or about to (the queue is empty whenever this is false).
        var leading = false
        var nextID: UInt64 = 0
    }

    private let limits: Limits
    private let bytes: @Sendable (Request) -> Int
    private let store: Store
    private let state = Mutex(State())

    /// - Parameters:
    ///   - bytes: the size a request adds to a batch (for ``Limits/maxBytes``).
    ///   - store: stores a batch in one transaction and answers each request, in order.
    public init(limits: Limits = .init(), bytes: @escaping @Sendable (Request) -> Int, store: @escaping Store) {
        self.limits = limits
        self.bytes = bytes
        self.store = store
    }

    /// Requests queued and not yet taken into a batch (for tests and metrics).
    var waiting: Int { state.withLock { $0.queue.count } }

    /// Stores `request` with whatever else is waiting, and returns its answer once its batch committed.
    public func submit(_ request: Request) async throws -> Answer {
        let size = bytes(request)
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            let leads = state.withLock { state in
                state.queue.append(Waiter(id: id, request: request, bytes: size, continuation: continuation))
                guard !state.leading else { return false }
                state.leading = true
                return true
            }
            // The leader's own entry stays first in the queue: it is taken with the batch and answered below,
            // never resumed a second time.
            if leads { continuation.resume(returning: .lead) }
        }
        switch turn {
        case .answered(let result): return try result.get()
        case .lead: return try await lead(id).get()
        }
    }

    /// Stores one batch (the leader's request first), answers it, and passes the lead on.
    private func lead(_ id: UInt64) async -> Result<Answer, any Error> {
        let batch = state.withLock { state in
            var taken = 0
            var size = 0
            for waiter in state.queue {
                guard taken == 0 || (taken < limits.maxCount && size + waiter.bytes <= limits.maxBytes) else { break }
                taken += 1
                size += waiter.bytes
            }
            defer { state.queue.removeFirst(taken) }
            return Array(state.queue.prefix(taken))
        }
        let results = await store(batch.map(\.request))
        var own: Result<Answer, any Error> = .failure(StorageError.batchAnswerMissing)
        for (index, waiter) in batch.enumerated() {
            let result = index < results.count ? results[index] : .failure(StorageError.batchAnswerMissing)
            if waiter.id == id {
                own = result
            } else {
                waiter.continuation.resume(returning: .answered(result))
            }
        }
        let next = state.withLock { state -> Waiter? in
            guard let first = state.queue.first else {
                state.leading = false
                return nil
            }
            return first
        }
        next?.continuation.resume(returning: .lead)
        return own
    }
}
