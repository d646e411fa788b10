import Synchronization

/// Group commit: requests that arrive while a batch is being stored wait, and go together in the next batch.
///
/// No task of its own. A request is queued (``enqueue(_:)``) and its answer collected (``answer(_:)``); a caller
/// collecting an answer while nobody is storing stores the next batch itself: it takes what is queued (oldest
/// first), stores it with `store`, answers every request of the batch, and hands the lead to a caller waiting for a
/// request still queued, or gives it up. A lone request is stored at once; it never waits for company. Under load
/// each batch carries everything that queued during the one before, bounded by count and bytes, so the database sees
/// one transaction (one fsync) per batch instead of one per request. A caller may queue several requests before it
/// collects the first (a socket's pipelined sends): they are stored in the order they were queued.
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

    /// A queued request. Its answer must be collected once, with ``answer(_:)``.
    public struct Ticket: Sendable, Hashable {
        fileprivate let id: UInt64
    }

    private enum Turn: Sendable {
        case lead
        case answered(Result<Answer, any Error>)
    }

    private struct Entry: Sendable {
        let id: UInt64
        let request: Request
        let bytes: Int
    }

    private struct State: Sendable {
        /// Queued and not yet taken into a batch, oldest first.
        var queue: [Entry] = []
        /// Stored, and not yet collected.
        var answers: [UInt64: Result<Answer, any Error>] = [:]
        /// Callers waiting for an answer not stored yet.
        var waiters: [UInt64: CheckedContinuation<Turn, Never>] = [:]
        /// Whether someone stores a batch, or is about to.
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
        try await answer(enqueue(request))
    }

    /// Queues `request` behind those queued before it, and returns at once.
    public func enqueue(_ request: Request) -> Ticket {
        let size = bytes(request)
        return state.withLock { state in
            defer { state.nextID += 1 }
            state.queue.append(Entry(id: state.nextID, request: request, bytes: size))
            return Ticket(id: state.nextID)
        }
    }

    /// The answer to a queued request, once its batch committed; the caller stores batches itself while nobody else
    /// does.
    public func answer(_ ticket: Ticket) async throws -> Answer {
        while true {
            let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
                let now = state.withLock { state -> Turn? in
                    if let answer = state.answers.removeValue(forKey: ticket.id) { return .answered(answer) }
                    guard state.leading else {
                        state.leading = true
                        return .lead
                    }
                    state.waiters[ticket.id] = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
            switch turn {
            case .answered(let result): return try result.get()
            case .lead: await storeBatch()
            }
        }
    }

    /// Stores the oldest queued requests, answers them, and passes the lead on (or gives it up).
    private func storeBatch() async {
        let batch = state.withLock { state in
            var taken = 0
            var size = 0
            for entry in state.queue {
                guard taken == 0 || (taken < limits.maxCount && size + entry.bytes <= limits.maxBytes) else { break }
                taken += 1
                size += entry.bytes
            }
            defer { state.queue.removeFirst(taken) }
            return Array(state.queue.prefix(taken))
        }
        let results = await store(batch.map(\.request))
        let (answered, next) = state.withLock { state in
            var answered: [(CheckedContinuation<Turn, Never>, Result<Answer, any Error>)] = []
            for (index, entry) in batch.enumerated() {
                let result = index < results.count ? results[index] : .failure(StorageError.batchAnswerMissing)
                if let waiter = state.waiters.removeValue(forKey: entry.id) {
                    answered.append((waiter, result))
                } else {
                    state.answers[entry.id] = result
                }
            }
            // The lead goes to a caller waiting for a queued request; without one, whoever collects next leads.
            guard let entry = state.queue.first(where: { state.waiters[$0.id] != nil }), let waiter = state.waiters.removeValue(forKey: entry.id)
            else {
                state.leading = false
                return (answered, nil as CheckedContinuation<Turn, Never>?)
            }
            return (answered, waiter)
        }
        for (waiter, result) in answered { waiter.resume(returning: .answered(result)) }
        next?.resume(returning: .lead)
    }
}
