import Foundation
import Synchronization

/// When members were last seen, gathered in memory and written in batches: opening a chamber (every request, every
/// socket) costs a dictionary write, not a database write. A node that stops loses at most one batch's times, which
/// only make "last seen" a little older.
public final class MemberActivity: Sendable {
    private let store: any Store
    private let pending = Mutex<(count: Int, seen: [ChamberID: [UserID: Date]])>((0, [:]))
    /// Past this many members waiting, newer sightings are dropped until the next flush: memory stays bounded.
    private let capacity: Int

    public init(store: any Store, capacity: Int = 100_000) {
        self.store = store
        self.capacity = capacity
    }

    /// Notes that the member opened the chamber at `at`.
    public func seen(_ userID: UserID, in chamberID: ChamberID, at: Date) {
        pending.withLock { pending in
            if pending.seen[chamberID]?[userID] == nil {
                guard pending.count < capacity else { return }
                pending.count += 1
            }
            pending.seen[chamberID, default: [:]][userID] = at
        }
    }

    /// The flush in progress or last begun: flushes run one after another.
    private let latest = Mutex<Task<Int, any Error>?>(nil)

    /// Writes what was noted since the last flush; what fails to write is kept for the next one. Returns how many
    /// sightings it wrote. Runs after a flush already under way (the periodic job's), so that when it returns every
    /// sighting noted before the call is written, not only taken by the other flush.
    @discardableResult
    public func flush() async throws -> Int {
        let mine = latest.withLock { latest in
            let before = latest
            let next = Task {
                _ = try? await before?.value
                return try await self.flushNow()
            }
            latest = next
            return next
        }
        return try await mine.value
    }

    private func flushNow() async throws -> Int {
        let batch = pending.withLock { pending in
            defer { pending = (0, [:]) }
            return pending.seen
        }
        var failure: (any Error)?
        var written = 0
        for (chamberID, seen) in batch {
            do {
                try await store.scoped(to: chamberID).engagement.recordSeen(seen)
                written += seen.count
            } catch {
                failure = error
                // Kept for the next flush, within the capacity: a sighting noted since is newer and stays.
                pending.withLock { pending in
                    for (user, at) in seen where pending.seen[chamberID]?[user] == nil && pending.count < capacity {
                        pending.seen[chamberID, default: [:]][user] = at
                        pending.count += 1
                    }
                }
            }
        }
        if let failure { throw failure }
        return written
    }
}
