import ChamberDomain

/// Notifications reach a member's sockets through their user topic, so every node delivers to its own.
extension Hub: NotificationDelivery {
    public func delivered(_ change: FeedChange) async {
        let notification = change.notification
        let frame = WireCoding.encode(NotificationFrame(notification: WireNotification(notification), unreadCount: change.unreadCount))
        publishEphemeral(frame, to: .user(notification.chamberID, notification.userID))
    }

    public func read(chamberID: ChamberID, userID: UserID, ids: [NotificationID]?, unreadCount: Int) async {
        let frame = WireCoding.encode(
            NotificationsReadFrame(ids: ids?.map(\.rawValue), all: ids == nil ? true : nil, unreadCount: unreadCount))
        publishEphemeral(frame, to: .user(chamberID, userID))
    }

    /// Online on some node: a socket that reported `away` (the app in the background) does not count.
    public func isConnected(_ user: UserID, in chamber: ChamberID) -> Bool {
        status(of: user, in: chamber) == .online
    }
}
