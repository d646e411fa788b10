import Foundation

/// An email the system sends (password reset, invitation, notifications a member has not read).
public struct Mail: Sendable, Equatable {
    public enum Kind: String, Sendable { case passwordReset = "password_reset", invitation, notifications, membership, events, billing }

    public let kind: Kind
    public let to: String
    public let subject: String
    public let body: String
    /// Where the recipient unsubscribes with one click (RFC 8058, an `https` URL), for mail they may not want.
    public let unsubscribeURL: String?

    public init(kind: Kind, to: String, subject: String, body: String, unsubscribeURL: String? = nil) {
        self.kind = kind
        self.to = to
        self.subject = subject
        self.body = body
        self.unsubscribeURL = unsubscribeURL
    }
}
