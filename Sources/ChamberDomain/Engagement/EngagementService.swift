import Foundation

/// Member engagement, measured: per member, when they were last seen, how many messages they sent and how many events
/// they attended over a window; for the chamber, how many members were active (seen, posting or attending) and the
/// rate that makes. Staff, admins and the board.
public final class EngagementService: Sendable {
    private let store: any Store
    private let now: @Sendable () -> Date

    public static let maxDays = 365

    public init(store: any Store, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.now = now
    }

    /// The chamber's figures over the last `days` days, and a page of its members'.
    public func report(
        _ access: ChamberAccess, days: Int, page: PageRequest
    ) async throws -> (
        since: Date, overview: EngagementOverview, members: Page<MemberEngagement>
    ) {
        try access.require(.view, .engagement)
        guard (1...Self.maxDays).contains(days) else {
            throw ChamberError(.validationFailed, "days is from 1 to \(Self.maxDays)", field: "days")
        }
        let since = now().addingTimeInterval(-Double(days) * 86_400)
        let scope = store.scoped(to: access.chamberID).engagement
        return (since, try await scope.overview(since: since), try await scope.members(since: since, page: page))
    }
}
