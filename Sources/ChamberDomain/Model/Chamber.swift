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
    /// Whether the directory has a public page: what businesses show the public, to anyone without signing in. Off
    /// until the chamber turns it on, so no chamber's listings go public by an upgrade.
    public var publicDirectory: Bool
    /// Applications whose legitimacy score (0–100) reaches this are approved as they are submitted; nil: staff
    /// decide every one.
    public var autoApproveScore: Int?
    /// Trial, grace days and renewal date of the chamber's memberships.
    public var membership: MembershipPolicy
    /// Who must sign in with a second factor.
    public var security: SecurityPolicy
    /// How long messages and audit entries are kept.
    public var retention: RetentionPolicy

    public init(
        timezone: String = "UTC", currency: String = "USD", openApplications: Bool = true, directoryVisibleToMembers: Bool = true,
        autoApproveScore: Int? = nil, membership: MembershipPolicy = .init(), publicDirectory: Bool = false, security: SecurityPolicy = .init(),
        retention: RetentionPolicy = .init()
    ) {
        self.retention = retention
        self.security = security
        self.publicDirectory = publicDirectory
        self.timezone = timezone
        self.currency = currency
        self.openApplications = openApplications
        self.directoryVisibleToMembers = directoryVisibleToMembers
        self.autoApproveScore = autoApproveScore
        self.membership = membership
    }

    private enum CodingKeys: String, CodingKey {
        case timezone, currency, openApplications, directoryVisibleToMembers, autoApproveScore, membership, publicDirectory, security, retention
    }

    /// Settings stored before a field existed take its default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ChamberSettings()
        timezone = try container.decodeIfPresent(String.self, forKey: .timezone) ?? defaults.timezone
        currency = try container.decodeIfPresent(String.self, forKey: .currency) ?? defaults.currency
        openApplications = try container.decodeIfPresent(Bool.self, forKey: .openApplications) ?? defaults.openApplications
        directoryVisibleToMembers = try container.decodeIfPresent(Bool.self, forKey: .directoryVisibleToMembers) ?? defaults.directoryVisibleToMembers
        autoApproveScore = try container.decodeIfPresent(Int.self, forKey: .autoApproveScore)
        membership = try container.decodeIfPresent(MembershipPolicy.self, forKey: .membership) ?? defaults.membership
        publicDirectory = try container.decodeIfPresent(Bool.self, forKey: .publicDirectory) ?? defaults.publicDirectory
        security = try container.decodeIfPresent(SecurityPolicy.self, forKey: .security) ?? defaults.security
        retention = try container.decodeIfPresent(RetentionPolicy.self, forKey: .retention) ?? defaults.retention
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
