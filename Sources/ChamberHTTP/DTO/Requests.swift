import ChamberDomain
import Foundation

// The REST API's request bodies, decoded from snake_case JSON.

struct RegisterRequest: Decodable {
    let email: String
    let password: String
    let displayName: String
}

struct LoginRequest: Decodable {
    let email: String
    let password: String
}

struct RefreshRequest: Decodable {
    let refreshToken: String
}

struct ChangePasswordRequest: Decodable {
    let currentPassword: String
    let newPassword: String
}

struct PasswordResetRequest: Decodable {
    let email: String
}

struct PasswordResetConfirmRequest: Decodable {
    let token: String
    let newPassword: String
}

struct SettingsInput: Decodable {
    var timezone: String?
    var currency: String?
    var openApplications: Bool?
    var directoryVisibleToMembers: Bool?
    var publicDirectory: Bool?
    var autoApproveScore: Int?
    var membership: MembershipPolicyInput?
    var security: SecurityPolicyInput?
    var retention: RetentionPolicyInput?
}

/// `settings.retention`: days, or null (absent) to keep for good.
struct RetentionPolicyInput: Decodable {
    var messagesDays: Int?
    var auditDays: Int?
}

/// `settings.security`.
struct SecurityPolicyInput: Decodable {
    var twoFactorRequiredFor: String?

    func requirement() throws(ChamberError) -> TwoFactorRequirement? {
        try twoFactorRequiredFor.map { text throws(ChamberError) in
            try TwoFactorRequirement.parse(text, field: "settings.security.two_factor_required_for")
        }
    }
}

/// `settings.membership`; absent fields take their defaults on create and stay as they are on update.
struct MembershipPolicyInput: Decodable {
    var trialDays: Int?
    var graceDays: Int?
    var renewal: String?
    var invoiceDaysBefore: Int?
    var lateFeeMinor: Int64?
    var lateFeeAfterDays: Int?

    func policy() throws(ChamberError) -> MembershipPolicy {
        let defaults = MembershipPolicy()
        return MembershipPolicy(
            trialDays: trialDays ?? defaults.trialDays, graceDays: graceDays ?? defaults.graceDays,
            renewal: try renewal.map { text throws(ChamberError) in try ChamberService.renewal(text) } ?? defaults.renewal,
            invoiceDaysBefore: invoiceDaysBefore ?? defaults.invoiceDaysBefore, lateFeeMinor: lateFeeMinor ?? defaults.lateFeeMinor,
            lateFeeAfterDays: lateFeeAfterDays ?? defaults.lateFeeAfterDays)
    }
}

struct BrandingInput: Decodable {
    var logoUrl: String?
    var primaryColor: String?
    var tagline: String?
    var website: String?
}

struct CreateChamberRequest: Decodable {
    let name: String
    let slug: String?
    let settings: SettingsInput?
    let branding: BrandingInput?

    func domainSettings() throws(ChamberError) -> ChamberSettings? {
        guard let input = settings else { return nil }
        let defaults = ChamberSettings()
        return ChamberSettings(
            timezone: input.timezone ?? defaults.timezone, currency: input.currency ?? defaults.currency,
            openApplications: input.openApplications ?? defaults.openApplications,
            directoryVisibleToMembers: input.directoryVisibleToMembers ?? defaults.directoryVisibleToMembers,
            autoApproveScore: input.autoApproveScore, membership: try input.membership?.policy() ?? defaults.membership,
            publicDirectory: input.publicDirectory ?? defaults.publicDirectory,
            security: SecurityPolicy(twoFactorRequiredFor: try input.security?.requirement() ?? defaults.security.twoFactorRequiredFor),
            retention: RetentionPolicy(messagesDays: input.retention?.messagesDays, auditDays: input.retention?.auditDays))
    }

    var domainBranding: ChamberBranding? {
        branding.map { ChamberBranding(logoURL: $0.logoUrl, primaryColor: $0.primaryColor, tagline: $0.tagline, website: $0.website) }
    }
}

/// PATCH of a chamber: absent fields stay; `null` clears an optional branding field.
struct UpdateChamberRequest: Decodable {
    let patch: ChamberPatch

    private enum Keys: String, CodingKey { case name, settings, branding }
    private enum SettingsKeys: String, CodingKey {
        case timezone, currency, openApplications, directoryVisibleToMembers, autoApproveScore, membership, publicDirectory, security, retention
    }
    private enum RetentionKeys: String, CodingKey { case messagesDays, auditDays }
    private enum BrandingKeys: String, CodingKey { case logoUrl, primaryColor, tagline, website }
    private enum SecurityKeys: String, CodingKey { case twoFactorRequiredFor, adminSignInProvider }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        var patch = ChamberPatch()
        patch.name = try container.decodeIfPresent(String.self, forKey: .name)
        if container.contains(.settings) {
            let settings = try container.nestedContainer(keyedBy: SettingsKeys.self, forKey: .settings)
            patch.timezone = try settings.decodeIfPresent(String.self, forKey: .timezone)
            patch.currency = try settings.decodeIfPresent(String.self, forKey: .currency)
            patch.openApplications = try settings.decodeIfPresent(Bool.self, forKey: .openApplications)
            patch.directoryVisibleToMembers = try settings.decodeIfPresent(Bool.self, forKey: .directoryVisibleToMembers)
            patch.publicDirectory = try settings.decodeIfPresent(Bool.self, forKey: .publicDirectory)
            patch.autoApproveScore = try settings.decodePatch(Int.self, forKey: .autoApproveScore)
            if let membership = try settings.decodeIfPresent(MembershipPolicyInput.self, forKey: .membership) {
                (patch.trialDays, patch.graceDays, patch.renewal) = (membership.trialDays, membership.graceDays, membership.renewal)
                (patch.invoiceDaysBefore, patch.lateFeeMinor, patch.lateFeeAfterDays) = (
                    membership.invoiceDaysBefore, membership.lateFeeMinor, membership.lateFeeAfterDays
                )
            }
            if settings.contains(.retention), !(try settings.decodeNil(forKey: .retention)) {
                let retention = try settings.nestedContainer(keyedBy: RetentionKeys.self, forKey: .retention)
                patch.retentionMessagesDays = try retention.decodePatch(Int.self, forKey: .messagesDays)
                patch.retentionAuditDays = try retention.decodePatch(Int.self, forKey: .auditDays)
            }
            if settings.contains(.security), !(try settings.decodeNil(forKey: .security)) {
                let security = try settings.nestedContainer(keyedBy: SecurityKeys.self, forKey: .security)
                patch.twoFactorRequiredFor = try security.decodeIfPresent(String.self, forKey: .twoFactorRequiredFor)
                patch.adminSignInProvider = try security.decodePatch(String.self, forKey: .adminSignInProvider)
            }
        }
        if container.contains(.branding) {
            let branding = try container.nestedContainer(keyedBy: BrandingKeys.self, forKey: .branding)
            patch.logoURL = try branding.decodePatch(String.self, forKey: .logoUrl)
            patch.primaryColor = try branding.decodePatch(String.self, forKey: .primaryColor)
            patch.tagline = try branding.decodePatch(String.self, forKey: .tagline)
            patch.website = try branding.decodePatch(String.self, forKey: .website)
        }
        self.patch = patch
    }
}

struct ChangeRoleRequest: Decodable {
    let role: Role
}

struct InviteRequest: Decodable {
    let email: String
    let role: Role
}

struct AcceptInvitationRequest: Decodable {
    let token: String
}

/// A business in a POST (all fields) or PATCH (absent fields stay; `null` clears).
struct BusinessRequest: Decodable {
    let input: BusinessInput

    private enum Keys: String, CodingKey {
        case legalName, displayName, taxId, category, address, website, phone, email, socialLinks, description, logoUrl, ownerUserId, privacy
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        var input = BusinessInput()
        input.legalName = try c.decodeIfPresent(String.self, forKey: .legalName)
        input.displayName = try c.decodePatch(String.self, forKey: .displayName)
        input.taxID = try c.decodePatch(String.self, forKey: .taxId)
        input.category = try c.decodePatch(String.self, forKey: .category)
        input.address = try c.decodeIfPresent(PostalAddress.self, forKey: .address)
        input.website = try c.decodePatch(String.self, forKey: .website)
        input.phone = try c.decodePatch(String.self, forKey: .phone)
        input.email = try c.decodePatch(String.self, forKey: .email)
        input.socialLinks = try c.decodeIfPresent([String: String].self, forKey: .socialLinks)
        input.description = try c.decodePatch(String.self, forKey: .description)
        input.logoURL = try c.decodePatch(String.self, forKey: .logoUrl)
        if let owner = try c.decodePatch(String.self, forKey: .ownerUserId) {
            input.ownerUserID = .some(
                try owner.map { raw in
                    guard let id = UserID(validating: raw) else {
                        throw ChamberError(.invalidIdentifier, "owner_user_id must be a UUID", field: "owner_user_id")
                    }
                    return id
                })
        }
        if let privacy = try c.decodeIfPresent([String: String].self, forKey: .privacy) {
            input.privacy = try DirectoryPrivacy(parsing: privacy).choices
        }
        self.input = input
    }
}
