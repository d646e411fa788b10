import Synchronization

/// Directory answers a node keeps until the chamber's directory changes.
///
/// A chamber's directory changes seldom and is searched often, by the same few words. Each answer is kept under
/// the chamber's directory revision (``DirectoryStore/revision()``), which every committed change to what a search
/// can answer moves on, whichever node made it. The revision is read before the search runs, so an answer holds at
/// least every change its revision counts; a reader who reads a later revision searches again. No reader sees a
/// listing older than the last change committed before its request. Answers of older revisions are not asked for
/// again and age out. Bounded by the businesses held across answers (``GenerationalCache``).
public final class DirectorySearchCache: Sendable {
    /// What identifies an answer.
    public struct Key: Hashable, Sendable {
        let chamberID: ChamberID
        let revision: Int64
        let scope: DirectorySearchScope
        let query: DirectoryQuery
    }

    private let answers: GenerationalCache<Key, Page<Business>>
    /// How many businesses it keeps at most, across its answers.
    public let businesses: Int

    /// A cache holding at most `businesses` businesses across its answers; 0 keeps nothing.
    public init(businesses: Int) {
        self.businesses = businesses
        answers = GenerationalCache(budget: businesses) { $0.items.count }
    }

    /// Searches under way, so that readers asking the same at once wait for one search rather than run their own:
    /// after a change every answer is asked again, and a thousand searches a second would otherwise repeat each one
    /// dozens of times over.
    private let searching = Mutex<[Key: Task<Page<Business>, any Error>]>([:])

    /// The answer kept for `key`, or the one `search` finds (kept for the next reader). Readers who ask while a search
    /// for `key` is under way wait for its answer.
    func answer(for key: Key, search: @escaping @Sendable () async throws -> Page<Business>) async throws -> Page<Business> {
        if let kept = answers.value(for: key) { return kept }
        guard businesses > 0 else { return try await search() }
        let task = searching.withLock { searching in
            if let running = searching[key] { return running }
            let task = Task {
                defer { _ = self.searching.withLock { $0.removeValue(forKey: key) } }
                let found = try await search()
                self.answers.keep(found, for: key)
                return found
            }
            searching[key] = task
            return task
        }
        return try await task.value
    }
}
