import ChamberDomain

/// Moderation reaches people through the same topics as chat, so it works alike on every node.
extension Hub: ModerationNotifier {
    public func reviewItemChanged(_ item: ReviewItem, moderators: [UserID]) async {
        let frame = WireCoding.encode(ReviewItemFrame(id: nil, item: WireReviewItem(item)))
        for moderator in moderators { publishEphemeral(frame, to: .user(item.chamberID, moderator)) }
    }

    public func notify(_ notice: ModerationNotice) async {
        publishEphemeral(WireCoding.encode(ModerationNoticeFrame(notice)), to: .user(notice.chamberID, notice.userID))
    }

    public func banned(userID: UserID, chamberID: ChamberID) async {
        disconnectEverywhere(user: userID, chamber: chamberID, code: .banned)
    }
}
