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

    /// The statuses whose businesses are listed: the standing table's rule.
    static let listedStatuses = MembershipStatus.allCases.filter { $0.allows(.directoryListing) }

    /// Searches the directory as the caller: every role that may view businesses.
    public func search(_ access: ChamberAccess, _ query: DirectoryQuery) async throws -> Page<Business> {
        try access.require(.view, .business)
        guard let chamber = try await store.chambers.find(id: access.chamberID) else {
            throw ChamberError(.chamberNotFound, "no chamber \(access.chamberID)")
        }
        let audience = DirectoryAudience(access)
        return try await find(query, in: DirectorySearchScope(audience, in: chamber.settings), of: chamber).map {
            DirectoryListing.shown($0, to: audience, isOwner: $0.ownerUserID == access.userID, in: chamber.settings)
        }
    }

    /// The businesses `query` finds in `scope`: the answer kept for the directory's current revision, or a search.
    private func find(_ query: DirectoryQuery, in scope: DirectorySearchScope, of chamber: Chamber) async throws -> Page<Business> {
        let directory = store.scoped(to: chamber.id).directory
        let key = DirectorySearchCache.Key(chamberID: chamber.id, revision: try await directory.revision(), scope: scope, query: query)
        if let kept = cache.answer(for: key) { return kept }
        let found = try await directory.search(query, in: scope, listedStatuses: Self.listedStatuses)
        cache.keep(found, for: key)
        return found
    }

    /// Folds the directory's noted changes into each chamber's revision, so reading a revision stays one short count;
    /// for a periodic job on every node (concurrent runs fold each change once).
    @discardableResult
    public func compactRevisions() async throws -> Int {
        try await store.chambers.compactDirectoryChanges()
    }

    /// Searches the chamber's people by the words of their name or their business's: every role that may view
    /// members. Members whose standing keeps them out of the directory are not in it.
    public func people(_ access: ChamberAccess, _ query: DirectoryQuery) async throws -> Page<DirectoryPerson> {
        try access.require(.view, .member)
        return try await store.scoped(to: access.chamberID).directory.people(
            terms: query.terms, listedStatuses: Self.listedStatuses, page: query.page)
    }

    /// Searches the public directory of the chamber with this slug, without signing in. A chamber that keeps its
    /// directory to members answers `directory_not_public`.
    public func publicSearch(slug: String, _ query: DirectoryQuery) async throws -> (chamber: Chamber, page: Page<Business>) {
        guard let chamber = try await store.chambers.find(slug: slug.lowercased()) else {
            throw ChamberError(.chamberNotFound, "no chamber '\(slug.prefix(60))'")
        }
        guard chamber.settings.publicDirectory else {
            throw ChamberError(.directoryNotPublic, "\(chamber.name) shows its directory to members only")
        }
        let page = try await find(query, in: DirectorySearchScope(.public, in: chamber.settings), of: chamber)
        return (chamber, page.map { DirectoryListing.shown($0, to: .public, isOwner: false, in: chamber.settings) })
    }
}
