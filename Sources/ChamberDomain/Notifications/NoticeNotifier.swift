import Foundation

/// Records owed ``Notice``s, each by the member's preferences for its category: an entry of its own in their in-app
/// feed, shown at once on their sockets on every node; a push to their devices when no socket of theirs is in the
/// foreground (outside quiet hours), through the durable push outbox; and a mail, through the mail outbox.
///
/// A notice is written owed in the transaction of the change it tells of; the service that made the change hands
/// it here once that commits (``deliver(_:)``), and any node's worker takes what a stopped node left
/// (``deliverDue(limit:)``). Recording it forgets it as owed in the same transaction, so it is recorded once.
public struct NoticeNotifier: Sendable {
    let store: any Store
    let delivery: (any NotificationDelivery)?
    /// Wakes a push worker for the jobs queued.
    let pushesQueued: @Sendable () -> Void
    /// Wakes a mail worker for the mail queued.
    let mailQueued: @Sendable () -> Void
    let now: @Sendable () -> Date

    /// Tries made before an owed notice is given up (its failure audited): with the backoff, about a day.
    static let maxAttempts = 12

    public init(
        store: any Store, delivery: (any NotificationDelivery)?, pushesQueued: @escaping @Sendable () -> Void = {},
        mailQueued: @escaping @Sendable () -> Void = {}, now: @escaping @Sendable () -> Date
    ) {
        self.store = store
        self.delivery = delivery
        self.pushesQueued = pushesQueued
        self.mailQueued = mailQueued
        self.now = now
    }

    /// Records the notices among `ids` still owed (the change that wrote them has committed). One that fails stays
    /// owed, due again later: the change it tells of stands whatever becomes of it here.
    public func deliver(_ ids: [NotificationID]) async {
        guard !ids.isEmpty, let owed = try? await store.noticeOutbox.owed(ids) else { return }
        for notice in owed { await attempt(notice) }
    }

    /// Records up to `limit` owed notices that fell due: left by a node that stopped after their change, or retried.
    /// Returns how many it tried.
    public func deliverDue(limit: Int = 100) async throws -> Int {
        let due = try await store.noticeOutbox.due(at: now(), limit: limit)
        for notice in due { await attempt(notice) }
        return due.count
    }

    private func attempt(_ owed: OwedNotice) async {
        do {
            try await record(owed.notice)
        } catch {
            await failed(owed, error)
        }
    }

    /// A try that failed is due again after a backoff (a minute, doubling, at most four hours); after
    /// ``maxAttempts`` the notice is given up, in the chamber's audit log (`invoice.notice_failed`,
    /// `membership.notice_failed`).
    private func failed(_ owed: OwedNotice, _ error: any Error) async {
        let notice = owed.notice
        let at = now()
        if owed.attempts + 1 < Self.maxAttempts {
            let delay = min(60 * pow(2, Double(owed.attempts)), 4 * 3_600)
            try? await store.noticeOutbox.failed(notice.id, error: "\(error)", retryAt: at.addingTimeInterval(delay))
            return
        }
        try? await store.noticeOutbox.abandon(notice.id)
        let target = notice.subject.kind == .invoice ? "invoice:\(notice.subject.id)" : "user:\(notice.userID)"
        try? await store.scoped(to: notice.chamberID).auditLog.append(
            AuditEntry(
                chamberID: notice.chamberID, actorID: nil, action: "\(notice.subject.kind.rawValue).notice_failed", target: target,
                detail: "\(error)", at: at))
    }

    /// Records one owed notice: its entry in the member's feed unless their `in_app` level for its category is `none`
    /// (told to their sockets), its pushes by their `push` level and its mail by their `email` level, in one
    /// transaction that forgets it as owed. Returns the entry, if one was made here.
    @discardableResult
    func record(_ notice: Notice) async throws -> Notification? {
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
        let mail = try await self.mail(of: notice)
        let notification = Notification(notice, at: notice.createdAt)
        guard
            let recorded = try await scope.notificationFeed.record(
                owed: notification, inFeed: decision.inApp, push: decision.push, preview: preferences.preview, mail: mail)
        else { return nil }
        if recorded.pushesQueued > 0 { pushesQueued() }
        if mail != nil { mailQueued() }
        guard decision.inApp else { return nil }
        await delivery?.delivered(FeedChange(notification: notification, unreadCount: recorded.unread))
        return notification
    }

    /// The notice's mail, when it has one and the member's e-mail level for its category allows it.
    private func mail(of notice: Notice) async throws -> Mail? {
        guard let subject = notice.mailSubject, let user = try await store.users.find(id: notice.userID),
            try await store.scoped(to: notice.chamberID).wantsEmail(notice.category, user: user.id)
        else { return nil }
        return Mail(kind: notice.category == .billing ? .billing : .membership, to: user.email, subject: subject, body: notice.text)
    }
}
