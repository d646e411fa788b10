import Foundation

/// A member business, as the directory and membership applications know it.
public struct Business: Sendable, Equatable, Codable {
    public let id: BusinessID
    public let chamberID: ChamberID
    /// The member who speaks for the business, if any.
    public var ownerUserID: UserID?
    public var legalName: String
    public var displayName: String?
    /// EIN or another tax identifier; shown to staff only.
    public var taxID: String?
    public var category: String?
    public var address: PostalAddress
    public var website: String?
    public var phone: String?
    public var email: String?
    public var socialLinks: [String: String]
    public var description: String?
    /// Where the business's logo is published (an http or https URL of the business's own), shown with the listing.
    public var logoURL: String?
    /// What of the listing the directory shows to whom.
    public var privacy: DirectoryPrivacy
    public let createdAt: Date
    /// Raised by every write: an edit made on a stale reading is applied again to the current one, so two people
    /// editing different fields at once both keep their change.
    public var revision: Int

    public init(
        id: BusinessID, chamberID: ChamberID, ownerUserID: UserID?, legalName: String, displayName: String? = nil, taxID: String? = nil,
        category: String? = nil, address: PostalAddress = .init(), website: String? = nil, phone: String? = nil, email: String? = nil,
        socialLinks: [String: String] = [:], description: String? = nil, logoURL: String? = nil, privacy: DirectoryPrivacy = .init(),
        createdAt: Date, revision: Int = 0
    ) {
        self.revision = revision
        self.privacy = privacy
        self.id = id
        self.chamberID = chamberID
        self.ownerUserID = ownerUserID
        self.legalName = legalName
        self.displayName = displayName
        self.taxID = taxID
        self.category = category
        self.address = address
        self.website = website
        self.phone = phone
        self.email = email
        self.socialLinks = socialLinks
        self.description = description
        self.logoURL = logoURL
        self.createdAt = createdAt
    }
}

/// A postal address; every line optional because directories hold what members give.
public struct PostalAddress: Sendable, Equatable, Codable {
    public var line1: String?
    public var line2: String?
    public var city: String?
    public var region: String?
    public var postalCode: String?
    /// ISO 3166-1 alpha-2.
    public var country: String?

    public init(
        line1: String? = nil, line2: String? = nil, city: String? = nil, region: String? = nil, postalCode: String? = nil, country: String? = nil
    ) {
        self.line1 = line1
        self.line2 = line2
        self.city = city
        self.region = region
        self.postalCode = postalCode
        self.country = country
    }
}
