import Foundation

/// The words of a notification e-mail: what is unread, where, and why the member gets it.
enum NotificationEmailText {
    static func mail(
        to user: User, in chamber: Chamber, notifications: [Notification], more: Int, preview: Bool, digest: EmailDigest,
        unsubscribeURL: String?
    ) -> Mail {
        let total = notifications.count + more
        let subject: String
        if total == 1, let only = notifications.first {
            subject = "\(only.title) — \(chamber.name)"
        } else {
            subject = "\(total) unread notifications in \(chamber.name)"
        }
        var lines = ["Hello \(user.displayName),", ""]
        lines.append(
            total == 1 ? "You have an unread notification in \(chamber.name):" : "You have \(total) unread notifications in \(chamber.name):")
        lines.append("")
        for notification in notifications {
            let count = notification.count > 1 ? " (\(notification.count) messages)" : ""
            // Without preview no message text leaves the server, by e-mail as by push.
            let text = preview ? ": " + notification.text : ""
            lines.append("- \(notification.title)\(count)\(text)")
        }
        if more > 0 { lines.append("- and \(more) more") }
        lines.append("")
        lines.append("Open ChamberConnect to read them.")
        lines.append("")
        let cadence =
            switch digest {
            case .immediate: "as they happen"
            case .hourly: "at most once an hour"
            case .daily: "at most once a day"
            }
        lines.append(
            "You get these e-mails \(cadence) for what you have not read, as your notification preferences in \(chamber.name) say; "
                + "change them in the app.")
        return Mail(kind: .notifications, to: user.email, subject: subject, body: lines.joined(separator: "\n"), unsubscribeURL: unsubscribeURL)
    }
}
