extension ChamberScopedStore {
    /// Whether the member wants this chamber's e-mail of `category`: their own level for it, else the chamber's
    /// default, else the server's (every category but ordinary channel traffic). Mail about the member's own invoices
    /// and membership (``NotificationCategory/isTransactional``) is stopped by the member's own level only, never by
    /// a chamber's default. What mails a member about their events, invoices and membership asks this first.
    func wantsEmail(_ category: NotificationCategory, user: UserID) async throws -> Bool {
        let defaults =
            category.isTransactional ? NotificationPreferences.serverDefaults : .chamberDefaults(try await notificationSettings.chamberChoices())
        return defaults.overlaid(with: try await notificationSettings.memberChoices(of: user)).level(category, on: .email) != .none
    }
}
