extension NotificationPreferences {
    /// Whether a member with the choices `member`, in a chamber whose defaults are `chamber`, wants its e-mail of
    /// `category`: their own level for it, else the chamber's default, else the server's (every category but
    /// ordinary channel traffic). Mail about the member's own invoices and membership
    /// (``NotificationCategory/isTransactional``) is stopped by the member's own level only, never by a chamber's
    /// default.
    static func wantsEmail(_ category: NotificationCategory, chamber: NotificationChoices, member: NotificationChoices) -> Bool {
        let defaults = category.isTransactional ? serverDefaults : .chamberDefaults(chamber)
        return defaults.overlaid(with: member).level(category, on: .email) != .none
    }
}

extension ChamberScopedStore {
    /// ``NotificationPreferences/wantsEmail(_:chamber:member:)`` with the choices as stored. What mails a member about
    /// their events asks this first.
    func wantsEmail(_ category: NotificationCategory, user: UserID) async throws -> Bool {
        NotificationPreferences.wantsEmail(
            category, chamber: try await notificationSettings.chamberChoices(), member: try await notificationSettings.memberChoices(of: user))
    }
}
