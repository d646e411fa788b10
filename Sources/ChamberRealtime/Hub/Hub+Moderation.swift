import ChamberDomain

/// Moderation reaches people through the same topics as chat, so it works alike on every node.
extension Hub: ModerationNotifier {
    public func reviewItemChanged(_ item: ReviewItem, moderators: [UserID]) async {
        let frame = WireCoding.encode(ReviewItemFrame(id: nil, item: WireReviewItem(item)))
        for moderator in moderators { publishEphemeral(frame, to: .user(item.chamberID, moderator)) }
    }

    /// A notice may announce a sanction given or lifted: the member's sockets read their send rights again.
    public func notify(_ notice: ModerationNotice) async {
        let frame = WireCoding.encode(ModerationNoticeFrame(notice))
        broker.publish(BrokerMessage(topic: .user(notice.chamberID, notice.userID), seq: nil, frame: frame, changesAccess: true))
    }

    public func banned(userID: UserID, chamberID: ChamberID) async {
        disconnectEverywhere(user: userID, chamber: chamberID, code: .banned)
    }
}
