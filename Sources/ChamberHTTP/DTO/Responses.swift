import ChamberDomain
import Foundation

// The REST API's response bodies. Field names become snake_case on the wire; `Protocol/openapi.yaml` describes each.

struct UserBody: Encodable {
    let id: String
    let email: String
    let displayName: String
    let isPlatformAdmin: Bool
    let createdAt: Date

    init(_ user: User) {
        id = user.id.rawValue
        email = user.email
        displayName = user.displayName
        isPlatformAdmin = user.isPlatformAdmin
        createdAt = user.createdAt
    }
}

struct TokenBody: Encodable {
    let accessToken: String
    let tokenType = "Bearer"
    let expiresIn: Int
    let accessTokenExpiresAt: Date
    let refreshToken: String
    let refreshTokenExpiresAt: Date
    let sessionId: String
    let user: UserBody

    init(_ grant: TokenGrant) {
        accessToken = grant.accessToken
        expiresIn = max(0, Int(grant.accessTokenExpiresAt.timeIntervalSinceNow.rounded()))
        accessTokenExpiresAt = grant.accessTokenExpiresAt
        refreshToken = grant.refreshToken
        refreshTokenExpiresAt = grant.session.expiresAt
        sessionId = grant.session.id.rawValue
        user = UserBody(grant.user)
    }
}

struct SessionBody: Encodable {
    let id: String
    let createdAt: Date
    let lastUsedAt: Date
    let expiresAt: Date
    let userAgent: String?
    let ipAddress: String?
    let current: Bool

    init(_ session: AuthSession, current: SessionID) {
        id = session.id.rawValue
        createdAt = session.createdAt
        lastUsedAt = session.lastUsedAt
        expiresAt = session.expiresAt
        userAgent = session.userAgent
        ipAddress = session.ipAddress
        self.current = session.id == current
    }
}

struct ListBody<Item: Encodable>: Encodable {
    let items: [Item]
}

struct PageBody<Item: Encodable>: Encodable {
    let items: [Item]
    let nextCursor: String?

    init<Source, Failure>(_ page: Page<Source>, _ transform: (Source) throws(Failure) -> Item) throws(Failure) {
        items = try page.items.map(transform)
        nextCursor = page.nextCursor
    }
}

struct ChamberBody: Encodable {
    struct Settings: Encodable {
        let timezone: String
        let currency: String
        let openApplications: Bool
        let directoryVisibleToMembers: Bool
        let publicDirectory: Bool
        let autoApproveScore: Int?
        let membership: MembershipPolicyBody
        let security: SecurityPolicyBody
        let retention: RetentionPolicyBody
    }
    /// Encoded with its nulls: a chamber that keeps things for good says so.
    struct RetentionPolicyBody: Encodable {
        let messagesDays: Int?
        let auditDays: Int?

        private enum CodingKeys: String, CodingKey { case messagesDays, auditDays }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(messagesDays, forKey: .messagesDays)
            try container.encode(auditDays, forKey: .auditDays)
        }
    }
    struct SecurityPolicyBody: Encodable {
        let twoFactorRequiredFor: String
        let adminSignInProvider: String?
    }
    struct MembershipPolicyBody: Encodable {
        let trialDays: Int
        let graceDays: Int
        let renewal: String
        let invoiceDaysBefore: Int
        let lateFeeMinor: Int64
        let lateFeeAfterDays: Int
    }
    struct Branding: Encodable {
        let logoUrl: String?
        let primaryColor: String?
        let tagline: String?
        let website: String?
    }
    let id: String
    let name: String
    let slug: String
    let settings: Settings
    let branding: Branding
    let createdAt: Date

    init(_ chamber: Chamber) {
        id = chamber.id.rawValue
        name = chamber.name
        slug = chamber.slug
        settings = Settings(
            timezone: chamber.settings.timezone, currency: chamber.settings.currency,
            openApplications: chamber.settings.openApplications, directoryVisibleToMembers: chamber.settings.directoryVisibleToMembers,
            publicDirectory: chamber.settings.publicDirectory,
            autoApproveScore: chamber.settings.autoApproveScore,
            membership: MembershipPolicyBody(
                trialDays: chamber.settings.membership.trialDays, graceDays: chamber.settings.membership.graceDays,
                renewal: chamber.settings.membership.renewal.wireValue, invoiceDaysBefore: chamber.settings.membership.invoiceDaysBefore,
                lateFeeMinor: chamber.settings.membership.lateFeeMinor, lateFeeAfterDays: chamber.settings.membership.lateFeeAfterDays),
            security: SecurityPolicyBody(
                twoFactorRequiredFor: chamber.settings.security.twoFactorRequiredFor.rawValue,
                adminSignInProvider: chamber.settings.security.adminSignInProvider),
            retention: RetentionPolicyBody(
                messagesDays: chamber.settings.retention.messagesDays, auditDays: chamber.settings.retention.auditDays))
        branding = Branding(
            logoUrl: chamber.branding.logoURL, primaryColor: chamber.branding.primaryColor,
            tagline: chamber.branding.tagline, website: chamber.branding.website)
        createdAt = chamber.createdAt
    }
}

struct MembershipBody: Encodable {
    let chamber: ChamberBody
    let role: String
}

struct MeBody: Encodable {
    let user: UserBody
    let memberships: [MembershipBody]
}

struct MemberBody: Encodable {
    let userId: String
    /// Absent when the chamber hides members' contact details from the caller.
    let email: String?
    let displayName: String
    let role: String
    let joinedAt: Date
    /// The business whose membership the member holds, or whose seat.
    let businessId: String?

    init(_ member: Member) {
        userId = member.user.id.rawValue
        email = member.user.email.isEmpty ? nil : member.user.email
        displayName = member.user.displayName
        role = member.membership.role.rawValue
        joinedAt = member.membership.joinedAt
        businessId = member.membership.businessID?.rawValue
    }
}

struct InvitationBody: Encodable {
    let id: String
    let chamberId: String
    let email: String
    let role: String
    let status: String
    let invitedBy: String
    let createdAt: Date
    let expiresAt: Date
    let acceptedAt: Date?
    let revokedAt: Date?
    let businessId: String?

    init(_ invitation: Invitation, now: Date = Date()) {
        businessId = invitation.businessID?.rawValue
        id = invitation.id.rawValue
        chamberId = invitation.chamberID.rawValue
        email = invitation.email
        role = invitation.role.rawValue
        status = invitation.status(at: now).rawValue
        invitedBy = invitation.invitedBy.rawValue
        createdAt = invitation.createdAt
        expiresAt = invitation.expiresAt
        acceptedAt = invitation.acceptedAt
        revokedAt = invitation.revokedAt
    }
}

struct IssuedInvitationBody: Encodable {
    let invitation: InvitationBody
    /// The secret that accepts the invitation; shown once (it is also mailed).
    let token: String
}

struct AcceptedInvitationBody: Encodable {
    let chamber: ChamberBody
    let role: String
}

struct BusinessBody: Encodable {
    let id: String
    let chamberId: String
    let ownerUserId: String?
    let legalName: String
    let displayName: String?
    let taxId: String?
    let category: String?
    let address: PostalAddress
    let website: String?
    let phone: String?
    let email: String?
    let socialLinks: [String: String]
    let description: String?
    let logoUrl: String?
    /// Who sees each field the business may hide.
    let privacy: [String: String]
    let createdAt: Date

    /// - Parameter forPublic: the public directory leaves out who owns the business.
    init(_ business: Business, forPublic: Bool = false) {
        id = business.id.rawValue
        chamberId = business.chamberID.rawValue
        ownerUserId = forPublic ? nil : business.ownerUserID?.rawValue
        privacy = Dictionary(uniqueKeysWithValues: DirectoryPrivacy.Field.allCases.map { ($0.rawValue, business.privacy[$0].rawValue) })
        legalName = business.legalName
        displayName = business.displayName
        taxId = business.taxID
        category = business.category
        address = business.address
        website = business.website
        phone = business.phone
        email = business.email
        socialLinks = business.socialLinks
        description = business.description
        logoUrl = business.logoURL
        createdAt = business.createdAt
    }
}

struct AuditEntryBody: Encodable {
    let id: String
    let actorId: String?
    let action: String
    let target: String?
    let detail: String?
    let reason: String?
    let at: Date

    init(_ entry: AuditEntry) {
        reason = entry.reason
        id = entry.id
        actorId = entry.actorID?.rawValue
        action = entry.action
        target = entry.target
        detail = entry.detail
        at = entry.at
    }
}
