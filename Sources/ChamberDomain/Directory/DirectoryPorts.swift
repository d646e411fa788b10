/// The chamber's directory, searched.
public protocol DirectoryStore: Sendable {
    /// Businesses listed (no owner; or an owner who is a member of the chamber, without a standing or with one in
    /// `listedStatuses`) whose text in `scope` matches `query`, in the query's order.
    func search(_ query: DirectoryQuery, in scope: DirectorySearchScope, listedStatuses: [MembershipStatus]) async throws -> Page<Business>
    /// The chamber's directory revision: it grows with every committed change to the chamber's businesses, to its
    /// memberships, or to a member's standing, whichever node made it.
    func revision() async throws -> Int64
    /// Members without a standing or with one in `listedStatuses` (and, on a business's seat, whose business's
    /// standing is too) whose name, or a business they own or are staff of (by its names, or the text it shows
    /// members: description, address, website), has a word starting with each of the query's terms (every member
    /// when there are none), with such a business in its category when given, by name (the query's order is not
    /// asked: people are always by name).
    func people(_ query: DirectoryQuery, listedStatuses: [MembershipStatus]) async throws -> Page<DirectoryPerson>
}
