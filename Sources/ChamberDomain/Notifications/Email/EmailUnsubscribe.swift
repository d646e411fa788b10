import Foundation

/// One-click unsubscription from a chamber's notification e-mail (RFC 8058): each mail carries a link with a token
/// the server signed, naming the member and the chamber; posting it turns the member's e-mail off in that chamber.
public final class EmailUnsubscribe: Sendable {
    private let store: any Store
    private let signer: any TextSigner
    /// The server's public `https` address; without it mails carry no link.
    private let publicURL: String?
    private let now: @Sendable () -> Date

    public init(store: any Store, signer: any TextSigner, publicURL: String?, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.signer = signer
        self.publicURL = publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.now = now
    }

    /// The link for `user`'s notification e-mail from `chamber`, when the server has an `https` public address.
    public func url(for user: UserID, in chamber: ChamberID) -> String? {
        guard let publicURL, publicURL.hasPrefix("https://") else { return nil }
        return "\(publicURL)/v1/email/unsubscribe?token=\(token(for: user, in: chamber))"
    }

    func token(for user: UserID, in chamber: ChamberID) -> String {
        let text = "unsubscribe.\(chamber.rawValue).\(user.rawValue)"
        return "\(chamber.rawValue).\(user.rawValue).\(signer.signature(of: text))"
    }

    /// Turns notification e-mail off, every category of it, for the member and chamber `token` names; returns the
    /// chamber. Invoices and membership mail are no list one leaves by a link in a digest: they keep the member's
    /// `billing` and `membership` levels (which the member may set to `none` themselves).
    /// - Throws: `unsubscribe_token_invalid` for a token the server did not sign.
    public func unsubscribe(token: String) async throws -> ChamberID {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard token.utf8.count <= 512, parts.count == 3, let chamber = UUID(uuidString: parts[0]), let user = UUID(uuidString: parts[1]) else {
            throw ChamberError(.unsubscribeTokenInvalid, "this unsubscribe link is not one of ours", field: "token")
        }
        let (chamberID, userID) = (ChamberID(chamber.uuidString.lowercased()), UserID(user.uuidString.lowercased()))
        guard ConstantTime.equal(self.token(for: userID, in: chamberID), token) else {
            throw ChamberError(.unsubscribeTokenInvalid, "this unsubscribe link is not one of ours", field: "token")
        }
        let scope = store.scoped(to: chamberID)
        // Someone who left the chamber is mailed nothing from it anyway.
        guard try await scope.members.find(userID: userID) != nil else { return chamberID }
        let off: [DeliveryChannel: NotificationLevel?] = [.email: NotificationLevel.none]
        _ = try await scope.notificationSettings.updateMemberChoices(
            of: userID,
            applying: NotificationChoicesPatch(
                levels: Dictionary(uniqueKeysWithValues: NotificationCategory.allCases.filter { !$0.isTransactional }.map { ($0, off) })),
            at: now())
        return chamberID
    }
}
