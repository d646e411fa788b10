import Foundation

/// A chamber of commerce: the tenant. Everything a chamber owns carries its id.
public struct Chamber: Sendable, Equatable, Codable {
    public let id: ChamberID
    public var name: String
    /// URL-safe unique handle, e.g. `springfield`.
    public var slug: String
    public var settings: ChamberSettings
    public var branding: ChamberBranding
    public let createdAt: Date

    public init(id: ChamberID, name: String, slug: String, settings: ChamberSettings = .init(), branding: ChamberBranding = .init(), createdAt: Date)
    {
        self.id = id
        self.name = name
        self.slug = slug
        self.settings = settings
        self.branding = branding
        self.createdAt = createdAt
    }
}

/// How a chamber runs.
public struct ChamberSettings: Sendable, Equatable, Codable {
    /// IANA time zone name, e.g. `America/Chicago`.
    public var timezone: String
    /// ISO 4217 currency for dues and invoices.
    public var currency: String
    /// Whether people may apply to join, or join only by invitation.
    public var openApplications: Bool
    /// Whether members may see each other's contact details in the directory.
    public var directoryVisibleToMembers: Bool
    /// Applications whose legitimacy score (0–100) reaches this are approved as they are submitted; nil: staff
    /// decide every one.
    public var autoApproveScore: Int?

    public init(
        timezone: String = "UTC", currency: String = "USD", openApplications: Bool = true, directoryVisibleToMembers: Bool = true,
        autoApproveScore: Int? = nil
    ) {
        self.timezone = timezone
        self.currency = currency
        self.openApplications = openApplications
        self.directoryVisibleToMembers = directoryVisibleToMembers
        self.autoApproveScore = autoApproveScore
    }
}

/// How a chamber looks in the apps.
public struct ChamberBranding: Sendable, Equatable, Codable {
    public var logoURL: String?
    /// `#RRGGBB`
    public var primaryColor: String?
    public var tagline: String?
    public var website: String?

    public init(logoURL: String? = nil, primaryColor: String? = nil, tagline: String? = nil, website: String? = nil) {
        self.logoURL = logoURL
        self.primaryColor = primaryColor
        self.tagline = tagline
        self.website = website
    }
}
