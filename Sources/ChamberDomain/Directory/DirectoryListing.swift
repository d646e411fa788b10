import Foundation

/// A business as the directory shows it to one audience, and the text it is found by.
public enum DirectoryListing {
    /// `business` with what `reader` may not see taken out. Its owner and staff see all of it but the tax id, which
    /// is staff's and the owner's only.
    public static func shown(_ business: Business, to reader: DirectoryAudience, isOwner: Bool, in settings: ChamberSettings) -> Business {
        if isOwner || reader == .staff { return business }
        var shown = business
        shown.taxID = nil
        let privacy = business.privacy
        func hidden(_ field: DirectoryPrivacy.Field) -> Bool { !privacy.audience(of: field, in: settings).includes(reader) }
        if hidden(.website) { shown.website = nil }
        if hidden(.description) { shown.description = nil }
        if hidden(.address) { shown.address = PostalAddress() }
        if hidden(.phone) { shown.phone = nil }
        if hidden(.email) { shown.email = nil }
        if hidden(.socialLinks) { shown.socialLinks = [:] }
        return shown
    }

    /// The text a business is found by: its names for everyone, and for each audience the words of the fields the
    /// business shows it (description, where it is, its website's host). Phone, e-mail and tax id are never searched:
    /// a search must not tell anyone what they cannot read. Built from the business's own choices; a chamber's policy
    /// narrows the audience at search time (``DirectoryPrivacy/audience(of:in:)``).
    /// The text is written as ``SearchWords``, as search terms are read, so SQLite and PostgreSQL find the same: a
    /// host like `www.kwikemart.example` is three words to both, and "Café" is "cafe".
    public static func searchText(_ business: Business) -> SearchText {
        let names = SearchWords.text([business.legalName, business.displayName ?? ""].joined(separator: " "))
        let address = business.address
        let fields: [(DirectoryPrivacy.Field, String)] = [
            (.description, business.description ?? ""),
            (.address, [address.line1, address.line2, address.city, address.region, address.postalCode].compactMap { $0 }.joined(separator: " ")),
            (.website, business.website.flatMap { URL(string: $0)?.host() } ?? ""),
        ]
        func text(for reader: DirectoryAudience) -> String {
            SearchWords.text(fields.filter { business.privacy[$0.0].includes(reader) }.map(\.1).joined(separator: " "))
        }
        return SearchText(names: names, publicText: text(for: .public), membersText: text(for: .members), staffText: text(for: .staff))
    }

    /// What one business is found by, per audience (each includes what the wider ones see).
    public struct SearchText: Sendable, Equatable {
        public let names: String
        public let publicText: String
        public let membersText: String
        public let staffText: String

        public init(names: String, publicText: String, membersText: String, staffText: String) {
            self.names = names
            self.publicText = publicText
            self.membersText = membersText
            self.staffText = staffText
        }
    }
}
