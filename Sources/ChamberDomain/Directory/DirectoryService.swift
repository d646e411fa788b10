import Foundation

/// The chamber's business directory, searched: by members and staff in the app, and by anyone on the chamber's
/// public page when the chamber has one. Each business is shown as its privacy choices and the chamber's policy allow
/// the reader, and found only by what the reader may read; a business whose owner's standing does not allow a listing
/// (lapsed, suspended, cancelled, pending) is not in it.
public final class DirectoryService: Sendable {
    private let store: any Store
    private let cache: DirectorySearchCache

    /// A directory over `store`, keeping answers in `cache` until the chamber's directory changes.
    public init(store: any Store, cache: DirectorySearchCache = DirectorySearchCache(businesses: 0)) {
        self.store = store
        self.cache = cache
    }

    /// How many businesses this node keeps in answers: an adapter that keeps answers' renderings sizes its own
    /// cache by it.
    public var keptBusinesses: Int { cache.businesses }

    /// The statuses whose businesses are listed: the standing table's rule.
    static let listedStatuses = MembershipStatus.allCases.filter { $0.allows(.directoryListing) }

    /// Searches the directory as the caller: every role that may view businesses.
    public func search(_ access: ChamberAccess, _ query: DirectoryQuery) async throws -> DirectoryAnswer {
        try access.require(.view, .business)
        guard let (chamber, revision) = try await store.chambers.findWithDirectoryRevision(id: access.chamberID) else {
            throw ChamberError(.chamberNotFound, "no chamber \(access.chamberID)")
        }
        return try await answer(query, for: DirectoryAudience(access), userID: access.userID, in: chamber, at: revision)
    }

    /// The page `query` finds for a reader of `audience` (`userID`, when signed in): the answer kept for the
    /// directory's `revision` (read with the chamber, before searching), or a search, shown as the chamber's policy and
    /// each business's choices allow.
    private func answer(
        _ query: DirectoryQuery, for audience: DirectoryAudience, userID: UserID?, in chamber: Chamber, at revision: Int64
    ) async throws
        -> DirectoryAnswer
    {
        let directory = store.scoped(to: chamber.id).directory
        let scope = DirectorySearchScope(audience, in: chamber.settings)
        let key = DirectorySearchCache.Key(chamberID: chamber.id, revision: revision, scope: scope, query: query)
        let found = try await cache.answer(for: key) { try await directory.search(query, in: scope, listedStatuses: Self.listedStatuses) }
        let ownsOne = userID.map { userID in found.items.contains { $0.ownerUserID == userID } } ?? false
        let settings = chamber.settings
        return DirectoryAnswer(
            page: found.map { DirectoryListing.shown($0, to: audience, isOwner: userID != nil && $0.ownerUserID == userID, in: settings) },
            edition: ownsOne && audience != .staff
                ? nil
                : .init(
                    answer: key, audience: audience, publicDirectory: settings.publicDirectory,
                    directoryVisibleToMembers: settings.directoryVisibleToMembers))
    }

    /// Folds the directory's noted changes into each chamber's revision, so reading a revision stays one short count;
    /// for a periodic job on every node (concurrent runs fold each change once).
    @discardableResult
    public func compactRevisions() async throws -> Int {
        try await store.chambers.compactDirectoryChanges()
    }

    /// Writes again, a batch at a time, the search texts stored by an older version of ``SearchWords`` (after an
    /// upgrade); for the same periodic job. Returns how many rows it wrote: none once all are current.
    @discardableResult
    public func reindexSearchTexts() async throws -> Int {
        try await store.chambers.reindexSearchTexts(limit: 500)
    }

    /// Searches the chamber's people by the words of their name or their businesses', and by their businesses'
    /// category: every role that may view members. Members whose standing (their own, or their business's for its
    /// staff) keeps them out of the directory are not in it.
    public func people(_ access: ChamberAccess, _ query: DirectoryQuery) async throws -> Page<DirectoryPerson> {
        try access.require(.view, .member)
        return try await store.scoped(to: access.chamberID).directory.people(query, listedStatuses: Self.listedStatuses)
    }

    /// Searches the public directory of the chamber with this slug, without signing in. A chamber that keeps its
    /// directory to members answers `directory_not_public`.
    public func publicSearch(slug: String, _ query: DirectoryQuery) async throws -> (chamber: Chamber, answer: DirectoryAnswer) {
        guard let (chamber, revision) = try await store.chambers.findWithDirectoryRevision(slug: slug.lowercased()) else {
            throw ChamberError(.chamberNotFound, "no chamber '\(slug.prefix(60))'")
        }
        guard chamber.settings.publicDirectory else {
            throw ChamberError(.directoryNotPublic, "\(chamber.name) shows its directory to members only")
        }
        return (chamber, try await answer(query, for: .public, userID: nil, in: chamber, at: revision))
    }
}
