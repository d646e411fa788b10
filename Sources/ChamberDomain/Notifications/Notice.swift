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
/// in the member's feed.
public struct Notice: Sendable, Equatable {
    public let chamberID: ChamberID
    public let userID: UserID
    /// ``NotificationCategory/membership`` or ``NotificationCategory/billing``.
    public let category: NotificationCategory
    public let subject: NotificationSubject
    /// What the feed and a push show as the heading ("Invoice INV-0007 is due").
    public let title: String
    /// The detail, cut to ``Notification/textLimit`` characters.
    public let text: String

    public init(chamberID: ChamberID, userID: UserID, category: NotificationCategory, subject: NotificationSubject, title: String, text: String) {
        self.chamberID = chamberID
        self.userID = userID
        self.category = category
        self.subject = subject
        self.title = title
        self.text = text
    }
}
