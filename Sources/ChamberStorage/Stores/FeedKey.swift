import ChamberDomain

/// A member's feed entry for one channel and category: what a burst grows.
struct FeedKey: Hashable {
    let user: UserID
    let channel: ChannelID?
    let category: NotificationCategory

    init(_ notification: ChamberDomain.Notification) {
        (user, channel, category) = (notification.userID, notification.channelID, notification.category)
    }

    init(_ addition: FeedAddition) {
        (user, channel, category) = (addition.userID, addition.channelID, addition.category)
    }
}
