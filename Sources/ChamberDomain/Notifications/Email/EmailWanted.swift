extension ChamberScopedStore {
    /// Whether the member wants this chamber's e-mail of `category`: their own level for it, else the chamber's
    /// default, else the server's (every category but ordinary channel traffic). What mails a member about their
    /// events, invoices and membership asks this first.
    func wantsEmail(_ category: NotificationCategory, user: UserID) async throws -> Bool {
        let preferences = NotificationPreferences.chamberDefaults(try await notificationSettings.chamberChoices())
            .overlaid(with: try await notificationSettings.memberChoices(of: user))
        return preferences.level(category, on: .email) != .none
    }
}
