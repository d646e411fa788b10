import Foundation

/// A member's in-app notification feed in a chamber: reading it, and marking it read on every device at once.
public final class NotificationFeedService: Sendable {
    private let store: any Store
    private let delivery: any NotificationDelivery
    private let now: @Sendable () -> Date

    public init(store: any Store, delivery: any NotificationDelivery, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.delivery = delivery
        self.now = now
    }

    /// One page of the caller's feed, most recently grown first (after `cursor`, when given), and their unread count.
    public func page(
        _ access: ChamberAccess, unreadOnly: Bool, page: PageRequest, after cursor: FeedCursor? = nil
    ) async throws -> (
        page: Page<Notification>, unread: Int
    ) {
        let feed = store.scoped(to: access.chamberID).notificationFeed
        return (
            try await feed.page(of: access.userID, unreadOnly: unreadOnly, page: page, after: cursor), try await feed.unreadCount(of: access.userID)
        )
    }

    /// Marks notifications read; returns the unread count after. The caller's sockets hear of it when anything changed.
    public func markRead(_ access: ChamberAccess, _ selection: FeedReadSelection) async throws -> Int {
        if case .ids(let ids) = selection, ids.isEmpty || ids.count > PageRequest.maximumLimit {
            throw ChamberError(.validationFailed, "ids must hold 1 to \(PageRequest.maximumLimit) notification ids", field: "ids")
        }
        let result = try await store.scoped(to: access.chamberID).notificationFeed.markRead(selection, of: access.userID, at: now())
        if !result.read.isEmpty {
            let ids: [NotificationID]? = if case .all = selection { nil } else { result.read }
            await delivery.read(chamberID: access.chamberID, userID: access.userID, ids: ids, unreadCount: result.unread)
        }
        return result.unread
    }
}

/// Reading a channel reads its notifications: the badge follows what the member has seen, on every device.
extension NotificationFeedService: ChannelReadObserver {
    public func channelRead(_ access: ChamberAccess, channelID: ChannelID, upTo seq: Int64) async throws {
        let result = try await store.scoped(to: access.chamberID).notificationFeed.markChannelRead(
            channelID, upTo: seq, of: access.userID, at: now())
        guard !result.read.isEmpty else { return }
        await delivery.read(chamberID: access.chamberID, userID: access.userID, ids: result.read, unreadCount: result.unread)
    }
}
