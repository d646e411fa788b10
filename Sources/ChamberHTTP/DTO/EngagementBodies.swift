import ChamberDomain
import Foundation

/// The chamber's engagement over a window, and a page of its members'.
struct EngagementBody: Encodable {
    struct Member: Encodable {
        let userId: String
        let displayName: String
        let role: String
        let lastSeenAt: Date?
        let messagesSent: Int
        let eventsAttended: Int
        let active: Bool
    }

    let windowDays: Int
    let since: Date
    let members: Int
    let activeMembers: Int
    let engagementRate: Double
    let messagesSent: Int
    let eventsAttended: Int
    let items: [Member]
    let nextCursor: String?

    init(days: Int, since: Date, overview: EngagementOverview, page: Page<MemberEngagement>) {
        windowDays = days
        self.since = since
        members = overview.members
        activeMembers = overview.activeMembers
        engagementRate = (overview.rate * 1000).rounded() / 1000
        messagesSent = overview.messagesSent
        eventsAttended = overview.eventsAttended
        items = page.items.map {
            Member(
                userId: $0.userID.rawValue, displayName: $0.displayName, role: $0.role.rawValue, lastSeenAt: $0.lastSeenAt,
                messagesSent: $0.messagesSent, eventsAttended: $0.eventsAttended, active: $0.isActive(since: since))
        }
        nextCursor = page.nextCursor
    }
}
