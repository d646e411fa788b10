import Foundation

/// What a notification that is no message is about, for the app to open: one of the member's invoices, or their
/// membership.
public struct NotificationSubject: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case invoice
        case membership
    }

    public let kind: Kind
    /// The invoice's id; for a membership, the member's user id.
    public let id: String

    public init(kind: Kind, id: String) {
        self.kind = kind
        self.id = id
    }

    public static func invoice(_ id: InvoiceID) -> Self { Self(kind: .invoice, id: id.rawValue) }
    public static func membership(of user: UserID) -> Self { Self(kind: .membership, id: user.rawValue) }
}

/// Something that concerns one member and is no message: their membership's status changed; a dues or tier-change
/// invoice of theirs was issued, or one of their invoices reminded or charged a late fee. Each is an entry of its own
/// in the member's feed, and a mail by their e-mail level.
///
/// A notice is written owed in the transaction of the change it tells of (``NoticeOutboxStore``), then recorded once
/// by ``NoticeNotifier``: so a change is never without its notice, nor a notice without its change.
public struct Notice: Sendable, Equatable {
    /// Also the id of its feed entry.
    public let id: NotificationID
    public let chamberID: ChamberID
    public let userID: UserID
    /// ``NotificationCategory/membership`` or ``NotificationCategory/billing``.
    public let category: NotificationCategory
    public let subject: NotificationSubject
    /// What the feed and a push show as the heading ("Invoice INV-0007 is due").
    public let title: String
    /// The detail: the mail's body whole, cut to ``Notification/textLimit`` characters in the feed.
    public let text: String
    /// The subject of the mail that goes with it (by the member's e-mail level); nil for none.
    public let mailSubject: String?
    /// When the change it tells of was made.
    public let createdAt: Date

    public init(
        id: NotificationID = .generateOrdered(), chamberID: ChamberID, userID: UserID, category: NotificationCategory, subject: NotificationSubject,
        title: String, text: String, mailSubject: String? = nil, at createdAt: Date
    ) {
        self.id = id
        self.chamberID = chamberID
        self.userID = userID
        self.category = category
        self.subject = subject
        self.title = title
        self.text = text
        self.mailSubject = mailSubject
        self.createdAt = createdAt
    }
}

/// A notice still owed: written with its change, not yet recorded in the feed.
public struct OwedNotice: Sendable, Equatable {
    public let notice: Notice
    /// Tries of other nodes' workers to record it, this one's counted when it was claimed.
    public let attempts: Int

    public init(_ notice: Notice, attempts: Int) {
        self.notice = notice
        self.attempts = attempts
    }
}
