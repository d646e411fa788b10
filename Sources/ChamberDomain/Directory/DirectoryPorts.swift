/// The chamber's directory, searched.
public protocol DirectoryStore: Sendable {
    /// Businesses listed (no owner; or an owner who is a member of the chamber, without a standing or with one in
    /// `listedStatuses`) that match `query` in the text `audience` may search, in the query's order.
    func search(_ query: DirectoryQuery, audience: DirectoryAudience, listedStatuses: [MembershipStatus]) async throws -> Page<Business>
    /// Members without a standing or with one in `listedStatuses` whose name, or the name of a business they own,
    /// has a word starting with each of `terms` (every member when there are none), by name.
    func people(terms: [String], listedStatuses: [MembershipStatus], page: PageRequest) async throws -> Page<DirectoryPerson>
}
