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

    /// Tries by workers before an owed notice is given up (its failure audited): with ``retryDelay(afterTry:)``,
    /// about 16 hours after the first.
    public static let maxAttempts = 12
    /// How long a worker's claim keeps an owed notice from other nodes' workers while it records it.
    static let lease: TimeInterval = 60

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
    /// owed, for a worker (its own node's first) once its hand-over time passed: the change it tells of stands
    /// whatever becomes of it here.
    public func deliver(_ ids: [NotificationID]) async {
        guard !ids.isEmpty, let owed = try? await store.noticeOutbox.owed(ids) else { return }
        for notice in owed { _ = try? await record(notice.notice) }
    }

    /// Claims and records up to `limit` owed notices that fell due: left by a node that stopped after their change,
    /// or to be tried again. Returns how many it claimed.
    public func deliverDue(limit: Int = 100) async throws -> Int {
        let due = try await store.noticeOutbox.claim(at: now(), lease: Self.lease, limit: limit)
        for owed in due {
            do {
                try await record(owed.notice)
            } catch {
                await failed(owed, error)
            }
        }
        return due.count
    }

    /// How long after a worker's `attempt`th failed try an owed notice is tried again: a minute, doubling, at most
    /// four hours.
    public static func retryDelay(afterTry attempt: Int) -> TimeInterval {
        min(60 * pow(2, Double(max(attempt, 1) - 1)), 4 * 3_600)
    }

    /// A worker's try that failed is made again after ``retryDelay(afterTry:)``; after ``maxAttempts`` the notice is
    /// given up, in the chamber's audit log (`invoice.notice_failed`, `membership.notice_failed`).
    private func failed(_ owed: OwedNotice, _ error: any Error) async {
        let notice = owed.notice
        let at = now()
        guard owed.attempts >= Self.maxAttempts else {
            try? await store.noticeOutbox.failed(
                notice.id, error: "\(error)", retryAt: at.addingTimeInterval(Self.retryDelay(afterTry: owed.attempts)))
            return
        }
        guard (try? await store.noticeOutbox.abandon(notice.id)) == true else { return }
        let target = notice.subject.kind == .invoice ? "invoice:\(notice.subject.id)" : "user:\(notice.userID)"
        try? await store.scoped(to: notice.chamberID).auditLog.append(
            AuditEntry(
                chamberID: notice.chamberID, actorID: nil, action: "\(notice.subject.kind.rawValue).notice_failed", target: target,
                detail: "\(notice.title), given up after \(owed.attempts) tries: \(error)", at: at))
    }

    /// Records one owed notice: its entry in the member's feed unless their `in_app` level for its category is `none`
    /// (told to their sockets), its pushes by their `push` level and its mail by their `email` level, in one
    /// transaction that forgets it as owed. Returns the entry, if one was made here.
    @discardableResult
    func record(_ notice: Notice) async throws -> Notification? {
        let scope = store.scoped(to: notice.chamberID)
        let instant = now()
        let (chamberChoices, memberChoices) = (
            try await scope.notificationSettings.chamberChoices(), try await scope.notificationSettings.memberChoices(of: notice.userID)
        )
        let preferences = NotificationPreferences.member(chamber: chamberChoices, member: memberChoices, mutes: [], at: instant)
        let connected = delivery?.isConnected(notice.userID, in: notice.chamberID) ?? false
        // A notice is about the member themselves: a level of `mentions` admits it, as it admits what names them.
        let decision = NotificationPolicy.decide(
            NotificationIntent(category: notice.category, namesRecipient: true), for: preferences, connected: connected, at: instant)
        let wantsEmail = NotificationPreferences.wantsEmail(notice.category, chamber: chamberChoices, member: memberChoices)
        let mail = wantsEmail ? try await self.mail(of: notice) : nil
        let notification = Notification(notice, recordedAt: instant)
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

    /// The notice's mail, when it has one (the member's e-mail level for its category allowing it).
    private func mail(of notice: Notice) async throws -> Mail? {
        guard let subject = notice.mailSubject, let user = try await store.users.find(id: notice.userID) else { return nil }
        return Mail(kind: notice.category == .billing ? .billing : .membership, to: user.email, subject: subject, body: notice.text)
    }
}
