import Foundation

/// Tells a chamber's online moderators (admins, staff, moderators) about changes of its review queue, and writes
/// automatic holds to the audit log.
public struct ReviewQueueAnnouncer: Sendable {
    private let store: any Store
    private let notifier: any ModerationNotifier

    public init(store: any Store, notifier: any ModerationNotifier) {
        self.store = store
        self.notifier = notifier
    }

    /// An item was added or decided. `actor` nil: a rule held a message (written to the audit log as such).
    public func announce(_ item: ReviewItem, actor: UserID?) async {
        let scope = store.scoped(to: item.chamberID)
        if actor == nil, item.kind == .held {
            try? await scope.auditLog.append(
                AuditEntry(
                    chamberID: item.chamberID, actorID: nil, action: "moderation.held", target: "message:\(item.messageID)",
                    detail: "rule \(item.rule ?? "?") in channel:\(item.channelID) by user:\(item.authorID)",
                    reason: item.reason, at: item.createdAt))
        }
        let moderators = (try? await scope.members.userIDs(withRoles: [.admin, .staff, .moderator])) ?? []
        await notifier.reviewItemChanged(item, moderators: moderators)
    }
}
