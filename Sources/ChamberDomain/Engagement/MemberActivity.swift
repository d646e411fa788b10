import Foundation
import Synchronization

/// When members were last seen, gathered in memory and written in batches: opening a chamber (every request, every
/// socket) costs a dictionary write, not a database write. A node that stops loses at most one batch's times, which
/// only make "last seen" a little older.
public final class MemberActivity: Sendable {
    private let store: any Store
    private let pending = Mutex<[ChamberID: [UserID: Date]]>([:])
    /// Past this many members waiting, newer sightings are dropped until the next flush: memory stays bounded.
    private let capacity: Int

    public init(store: any Store, capacity: Int = 100_000) {
        self.store = store
        self.capacity = capacity
    }

    /// Notes that the member opened the chamber at `at`.
    public func seen(_ userID: UserID, in chamberID: ChamberID, at: Date) {
        pending.withLock { pending in
            if pending[chamberID]?[userID] == nil, pending.values.reduce(0, { $0 + $1.count }) >= capacity { return }
            pending[chamberID, default: [:]][userID] = at
        }
    }

    /// Writes what was noted since the last flush; what fails to write is kept for the next one. Returns how many
    /// sightings it wrote.
    @discardableResult
    public func flush() async throws -> Int {
        let batch = pending.withLock { pending in
            defer { pending = [:] }
            return pending
        }
        var failure: (any Error)?
        var written = 0
        for (chamberID, seen) in batch {
            do {
                try await store.scoped(to: chamberID).engagement.recordSeen(seen)
                written += seen.count
            } catch {
                failure = error
                pending.withLock { pending in
                    for (user, at) in seen where (pending[chamberID]?[user] ?? .distantPast) < at { pending[chamberID, default: [:]][user] = at }
                }
            }
        }
        if let failure { throw failure }
        return written
    }
}
