/// The chamber's directory, searched.
public protocol DirectoryStore: Sendable {
    /// Businesses listed (no owner; or an owner who is a member of the chamber, without a standing or with one in
    /// `listedStatuses`) that match `query` in the text `audience` may search, in the query's order.
    func search(_ query: DirectoryQuery, audience: DirectoryAudience, listedStatuses: [MembershipStatus]) async throws -> Page<Business>
}
