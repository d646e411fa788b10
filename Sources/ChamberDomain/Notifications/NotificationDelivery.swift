/// How the fan-out reaches members live, and learns who is connected: the hub implements it on every node.
public protocol NotificationDelivery: Sendable {
    /// Tells the member's sockets in the chamber, on every node, that a notification was added or grew.
    func delivered(_ change: FeedChange) async
    /// Tells the member's sockets in the chamber that notifications were read (`ids` nil: all of them).
    func read(chamberID: ChamberID, userID: UserID, ids: [NotificationID]?, unreadCount: Int) async
    /// Whether the member has a socket in the foreground on some node (push is for those who have none).
    func isConnected(_ user: UserID, in chamber: ChamberID) -> Bool
}
