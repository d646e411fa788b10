/// A page of the directory as shown to one reader, and what it shares with other readers' pages.
public struct DirectoryAnswer: Sendable {
    /// Everything a page's content depends on: the answer found (chamber, directory revision, scope, query), the
    /// reader's audience, and the chamber's policies that narrow what a listing shows. Two readers' pages with one
    /// edition are the same, so an adapter may keep a page's rendering under it.
    public struct Edition: Hashable, Sendable {
        let answer: DirectorySearchCache.Key
        let audience: DirectoryAudience
        let publicDirectory: Bool
        let directoryVisibleToMembers: Bool
    }

    public let page: Page<Business>
    /// Nil when the page was shaped for this reader alone: it lists a business they own, shown to them whole.
    public let edition: Edition?
}
