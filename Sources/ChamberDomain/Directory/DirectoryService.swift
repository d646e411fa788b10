import Foundation

/// The chamber's business directory, searched: by members and staff in the app, and by anyone on the chamber's
/// public page when the chamber has one. Each business is shown as its privacy choices and the chamber's policy allow
/// the reader, and found only by what the reader may read; a business whose owner's standing does not allow a listing
/// (lapsed, suspended, cancelled, pending) is not in it.
public final class DirectoryService: Sendable {
    private let store: any Store

    public init(store: any Store) {
        self.store = store
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
        return try await store.scoped(to: chamber.id).directory.search(query, audience: audience, listedStatuses: Self.listedStatuses).map {
            DirectoryListing.shown($0, to: audience, isOwner: $0.ownerUserID == access.userID, in: chamber.settings)
        }
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
        let page = try await store.scoped(to: chamber.id).directory.search(query, audience: .public, listedStatuses: Self.listedStatuses)
        return (chamber, page.map { DirectoryListing.shown($0, to: .public, isOwner: false, in: chamber.settings) })
    }
}
