import Synchronization

/// Directory answers a node keeps until the chamber's directory changes.
///
/// A chamber's directory changes seldom and is searched often, by the same few words. Each answer is kept under
/// the chamber's directory revision (``DirectoryStore/revision()``), which every committed change to what a search
/// can answer moves on, whichever node made it. The revision is read before the search runs, so an answer holds at
/// least every change its revision counts; a reader who reads a later revision searches again. No reader sees a
/// listing older than the last change committed before its request. Answers of older revisions are not asked for
/// again and age out.
///
/// Bounded by businesses held, not answers: two generations, each up to half the budget; when the newer fills it
/// becomes the older, and the older is dropped. An answer read from the older generation moves to the newer, so
/// what is asked for often stays.
public final class DirectorySearchCache: Sendable {
    /// What identifies an answer.
    public struct Key: Hashable, Sendable {
        let chamberID: ChamberID
        let revision: Int64
        let scope: DirectorySearchScope
        let query: DirectoryQuery
    }

    private struct Generations {
        var newer: [Key: Page<Business>] = [:]
        var older: [Key: Page<Business>] = [:]
        var newerBusinesses = 0
    }

    private let budget: Int
    private let generations = Mutex(Generations())

    /// A cache holding at most `businesses` businesses across its answers; 0 keeps nothing.
    public init(businesses: Int) {
        budget = max(0, businesses)
    }

    /// The answer kept for `key`, if any.
    func answer(for key: Key) -> Page<Business>? {
        guard budget > 0 else { return nil }
        return generations.withLock { state in
            if let page = state.newer[key] { return page }
            guard let page = state.older.removeValue(forKey: key) else { return nil }
            Self.keep(page, for: key, in: &state, half: budget / 2)
            return page
        }
    }

    /// Keeps `page` as the answer for `key`.
    func keep(_ page: Page<Business>, for key: Key) {
        guard budget > 0 else { return }
        generations.withLock { Self.keep(page, for: key, in: &$0, half: budget / 2) }
    }

    private static func keep(_ page: Page<Business>, for key: Key, in state: inout Generations, half: Int) {
        // An empty answer still costs its key: count it as one.
        let cost = max(1, page.items.count)
        guard cost <= half else { return }
        if state.newerBusinesses + cost > half {
            state.older = state.newer
            state.newer = [:]
            state.newerBusinesses = 0
        }
        if state.newer.updateValue(page, forKey: key) == nil { state.newerBusinesses += cost }
    }
}
