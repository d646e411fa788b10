import Foundation

/// Tells a member of a ``Notice`` by their preferences for its category: an entry of its own in their in-app feed,
/// shown at once on their sockets on every node, and a push to their devices when no socket of theirs is in the
/// foreground (outside quiet hours), through the durable push outbox. Mail about it goes as before, by the member's
/// e-mail level (``ChamberScopedStore/wantsEmail(_:user:)``), from the service that made the change.
///
/// A notice is recorded after the change it tells of has committed, by the same call; the entry and its pushes
/// commit together. A node that dies between the change and the notice loses the notice (never the change), as it
/// would the mail.
public struct NoticeNotifier: Sendable {
    let store: any Store
    let delivery: (any NotificationDelivery)?
    /// Wakes a push worker for the jobs queued.
    let pushesQueued: @Sendable () -> Void
    let now: @Sendable () -> Date

    public init(
        store: any Store, delivery: (any NotificationDelivery)?, pushesQueued: @escaping @Sendable () -> Void = {},
        now: @escaping @Sendable () -> Date
    ) {
        self.store = store
        self.delivery = delivery
        self.pushesQueued = pushesQueued
        self.now = now
    }

    /// ``record(_:)``, and a failure in the chamber's audit log (`invoice.notice_failed`, `membership.notice_failed`):
    /// the change the notice tells of stands whatever becomes of it.
    public func tell(_ notice: Notice) async {
        do {
            try await record(notice)
        } catch {
            let target = notice.subject.kind == .invoice ? "invoice:\(notice.subject.id)" : "user:\(notice.userID)"
            try? await store.scoped(to: notice.chamberID).auditLog.append(
                AuditEntry(
                    chamberID: notice.chamberID, actorID: nil, action: "\(notice.subject.kind.rawValue).notice_failed", target: target,
                    detail: "\(error)", at: now()))
        }
    }

    /// Records the notice in the member's feed unless their `in_app` level for its category is `none`, and tells
    /// their sockets; queues its pushes by their `push` level. Returns the entry, if one was made.
    @discardableResult
    public func record(_ notice: Notice) async throws -> Notification? {
        let scope = store.scoped(to: notice.chamberID)
        let instant = now()
        let preferences = NotificationPreferences.member(
            chamber: try await scope.notificationSettings.chamberChoices(),
            member: try await scope.notificationSettings.memberChoices(of: notice.userID),
            mutes: [], at: instant)
        let connected = delivery?.isConnected(notice.userID, in: notice.chamberID) ?? false
        // A notice is about the member themselves: a level of `mentions` admits it, as it admits what names them.
        let decision = NotificationPolicy.decide(
            NotificationIntent(category: notice.category, namesRecipient: true), for: preferences, connected: connected, at: instant)
        guard decision.inApp || decision.push else { return nil }
        let notification = Notification(notice, id: .generateOrdered(), at: instant)
        let recorded = try await scope.notificationFeed.record(
            notice: notification, inFeed: decision.inApp, push: decision.push, preview: preferences.preview)
        if recorded.pushesQueued > 0 { pushesQueued() }
        guard decision.inApp else { return nil }
        await delivery?.delivered(FeedChange(notification: notification, unreadCount: recorded.unread))
        return notification
    }
}
