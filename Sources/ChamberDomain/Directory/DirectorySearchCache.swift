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

    /// The answer kept for `key`, if any.
    func answer(for key: Key) -> Page<Business>? { answers.value(for: key) }

    /// Keeps `page` as the answer for `key`.
    func keep(_ page: Page<Business>, for key: Key) { answers.keep(page, for: key) }
}
