import Foundation

/// Writes the e-mails owed to members: for each one due, the member's unread notifications in the chamber grown
/// since it was first owed, those their e-mail preferences admit, become one mail in the mail outbox. Nothing unread
/// any more (read on a phone meanwhile): no mail.
public final class NotificationEmailDispatcher: Sendable {
    /// A mail lists at most this many notifications, newest first; the rest are counted.
    public static let listed = 20
    public static let lease: TimeInterval = 120

    private let store: any Store
    private let unsubscribe: EmailUnsubscribe?
    private let now: @Sendable () -> Date
    private let mailQueued: @Sendable () -> Void

    /// - Parameters:
    ///   - unsubscribe: gives each mail its one-click unsubscribe link (when the server has a public address).
    ///   - mailQueued: told when mails were queued (the mail worker sends them).
    public init(
        store: any Store, unsubscribe: EmailUnsubscribe? = nil, now: @escaping @Sendable () -> Date = Date.init,
        mailQueued: @escaping @Sendable () -> Void = {}
    ) {
        self.store = store
        self.unsubscribe = unsubscribe
        self.now = now
        self.mailQueued = mailQueued
    }

    /// Claims and writes one batch of due e-mails; returns how many it claimed (0: nothing is due).
    @discardableResult
    public func dispatch() async throws -> Int {
        let claim = UUID().uuidString
        let owed = try await store.notificationEmails.claim(limit: 50, at: now(), lease: Self.lease, claim: claim)
        var queued = false
        for email in owed {
            let mail = try await compose(email)
            try await store.notificationEmails.settle(email, mail: mail, claim: claim, at: now())
            queued = queued || mail != nil
        }
        if queued { mailQueued() }
        return owed.count
    }

    /// The mail for `owed`, or nil when nothing in it is unread, wanted by e-mail and still readable by the member
    /// (one removed from the chamber, or from a channel, is mailed nothing of it).
    func compose(_ owed: OwedNotificationEmail) async throws -> Mail? {
        let scope = store.scoped(to: owed.chamberID)
        guard let user = try await store.users.find(id: owed.userID), let chamber = try await store.chambers.find(id: owed.chamberID),
            try await scope.members.find(userID: user.id) != nil
        else {
            return nil
        }
        let preferences = NotificationPreferences.member(
            chamber: try await scope.notificationSettings.chamberChoices(), member: try await scope.notificationSettings.memberChoices(of: user.id),
            mutes: [], at: now())
        let page = try await scope.notificationFeed.page(
            of: user.id, unreadOnly: true, page: PageRequest(limit: PageRequest.maximumLimit), after: nil)
        // A notification asked for e-mail only if its level admitted it; the feed does not keep whether it named the
        // member, so any level but none lets it into the mail.
        var readable: [ChannelID: Bool] = [:]
        var unread: [Notification] = []
        for notification in page.items where notification.updatedAt >= owed.since && preferences.level(notification.category, on: .email) != .none {
            // A notice was mailed on its own as it happened (by the member's level): the digest lists messages.
            guard let channelID = notification.channelID else { continue }
            if readable[channelID] == nil {
                let channels = scope.chat.channels
                switch try await channels.find(id: channelID)?.kind {
                case .announcement: readable[channelID] = true
                case nil: readable[channelID] = false
                default: readable[channelID] = try await channels.member(channelID, userID: user.id) != nil
                }
            }
            if readable[channelID] == true { unread.append(notification) }
        }
        guard !unread.isEmpty else { return nil }
        return NotificationEmailText.mail(
            to: user, in: chamber, notifications: Array(unread.prefix(Self.listed)), more: max(0, unread.count - Self.listed),
            preview: preferences.preview, digest: preferences.emailDigest, unsubscribeURL: unsubscribe?.url(for: user.id, in: chamber.id))
    }
}
