import Foundation

/// Changes to a chamber's settings and branding; `nil` leaves a field as it is.
public struct ChamberPatch: Sendable {
    public var name: String?
    public var timezone: String?
    public var currency: String?
    public var openApplications: Bool?
    public var directoryVisibleToMembers: Bool?
    public var publicDirectory: Bool?
    /// A score (0–100) to auto-approve applications at, or `.some(nil)` to stop auto-approving.
    public var autoApproveScore: Int??
    /// `settings.membership`: days of trial, grace days, renewal (`anniversary` or `MM-DD`).
    public var trialDays: Int?
    public var graceDays: Int?
    public var renewal: String?
    /// `settings.membership`: days before a period its dues are invoiced, the late fee and its days after due.
    public var invoiceDaysBefore: Int?
    public var lateFeeMinor: Int64?
    public var lateFeeAfterDays: Int?
    /// `settings.security.two_factor_required_for`, as sent (checked by ``ChamberService/update(_:patch:)``).
    public var twoFactorRequiredFor: String?
    /// `settings.security.admin_sign_in_provider`: a provider's id, or nil to require none.
    public var adminSignInProvider: String??
    /// `settings.retention.messages_days` and `.audit_days`: days, or nil to keep for good.
    public var retentionMessagesDays: Int??
    public var retentionAuditDays: Int??
    public var logoURL: String??
    public var primaryColor: String??
    public var tagline: String??
    public var website: String??

    public init(
        name: String? = nil, timezone: String? = nil, currency: String? = nil, openApplications: Bool? = nil,
        directoryVisibleToMembers: Bool? = nil, autoApproveScore: Int?? = nil, logoURL: String?? = nil, primaryColor: String?? = nil,
        tagline: String?? = nil, website: String?? = nil
    ) {
        self.autoApproveScore = autoApproveScore
        self.name = name
        self.timezone = timezone
        self.currency = currency
        self.openApplications = openApplications
        self.directoryVisibleToMembers = directoryVisibleToMembers
        self.logoURL = logoURL
        self.primaryColor = primaryColor
        self.tagline = tagline
        self.website = website
    }
}

/// A new invitation and the secret that accepts it (shown once; only its hash is stored).
public struct IssuedInvitation: Sendable {
    public let invitation: Invitation
    public let token: String
}

/// Chambers, their members and invitations. Every operation on a chamber takes a ``ChamberAccess``,
/// which only ``access(_:to:)`` makes, so no operation can skip the membership check.
public final class ChamberService: Sendable {
    private let store: any Store
    private let vault: any SecretVault
    private let mailer: any Mailer
    private let configuration: AuthConfiguration
    private let observer: (any MembershipObserver)?
    /// Notes who opens the chamber, for engagement's "last seen".
    private let activity: MemberActivity?
    private let now: @Sendable () -> Date

    public init(
        store: any Store, vault: any SecretVault, mailer: any Mailer, configuration: AuthConfiguration = .init(),
        observer: (any MembershipObserver)? = nil, activity: MemberActivity? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.activity = activity
        self.store = store
        self.vault = vault
        self.mailer = mailer
        self.configuration = configuration
        self.observer = observer
        self.now = now
    }

    /// The caller's standing in a chamber. Non-members get `chamber_not_found`, so chambers cannot be probed.
    public func access(_ identity: Identity, to chamberID: ChamberID) async throws -> ChamberAccess {
        let at = now()
        if let admission = try await store.scoped(to: chamberID).members.findAdmission(userID: identity.user.id, at: at) {
            let (member, ban, security) = (admission.member, admission.ban, admission.security)
            if let ban, !identity.user.isPlatformAdmin {
                throw ChamberError(
                    .userBanned, "you are banned from this chamber\(ban.reason.map { ": \($0)" } ?? "")", retryAfterSeconds: ban.secondsLeft(at: at))
            }
            try identity.requireSecondFactor(security.twoFactorRequiredFor, as: identity.user.isPlatformAdmin ? .admin : member.membership.role)
            try identity.requireSignInProvider(security.adminSignInProvider, as: member.membership.role)
            activity?.seen(identity.user.id, in: chamberID, at: at)
            return ChamberAccess(
                identity: identity, chamberID: chamberID, role: member.membership.role, viaPlatformAdmin: false,
                memberSince: member.membership.joinedAt, standing: admission.standing)
        }
        if identity.user.isPlatformAdmin, let chamber = try await store.chambers.find(id: chamberID) {
            try identity.requireSecondFactor(chamber.settings.security.twoFactorRequiredFor, as: .admin)
            return ChamberAccess(identity: identity, chamberID: chamberID, role: .admin, viaPlatformAdmin: true)
        }
        throw ChamberError(.chamberNotFound, "no chamber \(chamberID) among yours")
    }

    // MARK: Chambers

    /// Creates a chamber; its creator becomes its admin.
    public func create(
        by identity: Identity, name rawName: String, slug rawSlug: String?, settings: ChamberSettings?, branding: ChamberBranding?
    ) async throws -> Chamber {
        let name = try Validate.name(rawName, field: "name")
        let slug = try rawSlug.map { raw throws(ChamberError) in try Validate.slug(raw) } ?? Validate.slug(fromName: name)
        var chamber = Chamber(id: .generate(), name: name, slug: slug, createdAt: now())
        if let settings {
            chamber.settings = try Self.validated(settings)
            try Self.requireSecondFactor(toSet: settings.security.twoFactorRequiredFor, by: identity)
        }
        if let branding { chamber.branding = try Self.validated(branding) }
        try await store.chambers.create(
            chamber, founder: Membership(chamberID: chamber.id, userID: identity.user.id, role: .admin, joinedAt: chamber.createdAt))
        try await audit(chamber.id, identity.user.id, "chamber.created", target: "chamber:\(chamber.id)", detail: name)
        return chamber
    }

    public func chamber(_ access: ChamberAccess) async throws -> Chamber {
        try access.require(.view, .chamber)
        guard let chamber = try await store.chambers.find(id: access.chamberID) else {
            throw ChamberError(.chamberNotFound, "no chamber \(access.chamberID)")
        }
        return chamber
    }

    public func update(_ access: ChamberAccess, patch: ChamberPatch) async throws -> Chamber {
        try access.require(.update, .chamberSettings)
        var chamber = try await self.chamber(access)
        if let name = patch.name { chamber.name = try Validate.name(name, field: "name") }
        if let value = patch.timezone { chamber.settings.timezone = try Validate.timezone(value, field: "settings.timezone") }
        if let value = patch.currency { chamber.settings.currency = try Validate.currency(value, field: "settings.currency") }
        if let value = patch.openApplications { chamber.settings.openApplications = value }
        if let value = patch.directoryVisibleToMembers { chamber.settings.directoryVisibleToMembers = value }
        if let value = patch.publicDirectory { chamber.settings.publicDirectory = value }
        if let value = patch.autoApproveScore { chamber.settings.autoApproveScore = try Self.autoApproveScore(value) }
        if let value = patch.trialDays { chamber.settings.membership.trialDays = value }
        if let value = patch.graceDays { chamber.settings.membership.graceDays = value }
        if let value = patch.renewal { chamber.settings.membership.renewal = try Self.renewal(value) }
        if let value = patch.invoiceDaysBefore { chamber.settings.membership.invoiceDaysBefore = value }
        if let value = patch.lateFeeMinor { chamber.settings.membership.lateFeeMinor = value }
        if let value = patch.lateFeeAfterDays { chamber.settings.membership.lateFeeAfterDays = value }
        chamber.settings.membership = try Self.validated(chamber.settings.membership)
        if let value = patch.twoFactorRequiredFor {
            chamber.settings.security.twoFactorRequiredFor = try Self.twoFactorRequirement(value, setBy: access.identity)
        }
        if let value = patch.retentionMessagesDays {
            chamber.settings.retention.messagesDays = try RetentionPolicy.days(value, field: "settings.retention.messages_days")
        }
        if let value = patch.retentionAuditDays {
            chamber.settings.retention.auditDays = try RetentionPolicy.days(value, field: "settings.retention.audit_days")
        }
        if let value = patch.adminSignInProvider {
            chamber.settings.security.adminSignInProvider = try Self.adminSignInProvider(
                value.flatMap { $0.isEmpty ? nil : $0 }, setBy: access.identity)
        }
        if let value = patch.logoURL { chamber.branding.logoURL = try Validate.url(value, field: "branding.logo_url") }
        if let value = patch.primaryColor { chamber.branding.primaryColor = try Validate.color(value, field: "branding.primary_color") }
        if let value = patch.tagline { chamber.branding.tagline = try Validate.optionalText(value, field: "branding.tagline", maxLength: 200) }
        if let value = patch.website { chamber.branding.website = try Validate.url(value, field: "branding.website") }
        try await store.chambers.update(chamber)
        try await audit(access, "chamber.settings_changed", target: "chamber:\(chamber.id)", detail: nil)
        return chamber
    }

    /// Every chamber on the platform: platform admins only.
    public func listAll(_ identity: Identity, page: PageRequest) async throws -> Page<Chamber> {
        guard identity.user.isPlatformAdmin else {
            throw ChamberError(.platformAdminRequired, "listing every chamber needs a platform administrator")
        }
        return try await store.chambers.list(page: page)
    }

    public func memberships(of identity: Identity) async throws -> [(chamber: Chamber, role: Role)] {
        try await store.chambers.memberships(of: identity.user.id)
    }

    /// Parses a chamber's two-factor requirement. Only a caller who proved a second factor may require one, so
    /// that nobody shuts the chamber's admins out by a click (they could not act again until they enrol).
    static func twoFactorRequirement(_ text: String, setBy identity: Identity) throws(ChamberError) -> TwoFactorRequirement {
        let requirement = try TwoFactorRequirement.parse(text, field: "settings.security.two_factor_required_for")
        try requireSecondFactor(toSet: requirement, by: identity)
        return requirement
    }

    /// Checks a chamber's required sign-in provider: only an admin signed in through it may require it, so that
    /// nobody shuts the chamber's admins out with a provider they cannot use (or a misspelt one).
    static func adminSignInProvider(_ provider: String?, setBy identity: Identity) throws(ChamberError) -> String? {
        guard let provider else { return nil }
        let field = "settings.security.admin_sign_in_provider"
        guard SignInProvider.isValidID(provider) else {
            throw ChamberError(.validationFailed, "a sign-in provider's id (lowercase letters, digits and dashes)", field: field)
        }
        guard identity.signInProvider == provider else {
            throw ChamberError(.signInProviderRequired, "sign in through '\(provider)' yourself before requiring it of the admins", field: field)
        }
        return provider
    }

    private static func requireSecondFactor(toSet requirement: TwoFactorRequirement, by identity: Identity) throws(ChamberError) {
        guard requirement != .nobody, !identity.secondFactor else { return }
        throw ChamberError(
            .twoFactorEnrolmentRequired, "sign in with a second factor yourself before requiring one of others",
            field: "settings.security.two_factor_required_for")
    }

    static func validated(_ settings: ChamberSettings) throws(ChamberError) -> ChamberSettings {
        var result = settings
        result.timezone = try Validate.timezone(settings.timezone, field: "settings.timezone")
        result.currency = try Validate.currency(settings.currency, field: "settings.currency")
        result.autoApproveScore = try autoApproveScore(settings.autoApproveScore)
        result.retention = RetentionPolicy(
            messagesDays: try RetentionPolicy.days(settings.retention.messagesDays, field: "settings.retention.messages_days"),
            auditDays: try RetentionPolicy.days(settings.retention.auditDays, field: "settings.retention.audit_days"))
        result.membership = try validated(settings.membership)
        return result
    }

    private static func validated(_ policy: MembershipPolicy) throws(ChamberError) -> MembershipPolicy {
        guard (0...365).contains(policy.trialDays) else {
            throw ChamberError(.validationFailed, "trial_days must be between 0 and 365", field: "settings.membership.trial_days")
        }
        guard (0...365).contains(policy.graceDays) else {
            throw ChamberError(.validationFailed, "grace_days must be between 0 and 365", field: "settings.membership.grace_days")
        }
        guard (0...365).contains(policy.invoiceDaysBefore) else {
            throw ChamberError(.validationFailed, "invoice_days_before must be between 0 and 365", field: "settings.membership.invoice_days_before")
        }
        guard (0...InvoiceLedger.maxTotalMinor).contains(policy.lateFeeMinor) else {
            throw ChamberError(
                .validationFailed, "late_fee_minor must be between 0 and \(InvoiceLedger.maxTotalMinor)", field: "settings.membership.late_fee_minor")
        }
        guard (0...365).contains(policy.lateFeeAfterDays) else {
            throw ChamberError(
                .validationFailed, "late_fee_after_days must be between 0 and 365", field: "settings.membership.late_fee_after_days")
        }
        return policy
    }

    /// Parses a renewal setting: `anniversary`, or `MM-DD` for one date for all.
    public static func renewal(_ text: String) throws(ChamberError) -> RenewalPolicy {
        guard let policy = RenewalPolicy(wireValue: text) else {
            throw ChamberError(
                .validationFailed, "renewal is 'anniversary' or a date as MM-DD, e.g. 01-01", field: "settings.membership.renewal")
        }
        return policy
    }

    private static func autoApproveScore(_ score: Int?) throws(ChamberError) -> Int? {
        if let score, !(0...100).contains(score) {
            throw ChamberError(.validationFailed, "auto_approve_score must be between 0 and 100", field: "settings.auto_approve_score")
        }
        return score
    }

    static func validated(_ branding: ChamberBranding) throws(ChamberError) -> ChamberBranding {
        ChamberBranding(
            logoURL: try Validate.url(branding.logoURL, field: "branding.logo_url"),
            primaryColor: try Validate.color(branding.primaryColor, field: "branding.primary_color"),
            tagline: try Validate.optionalText(branding.tagline, field: "branding.tagline", maxLength: 200),
            website: try Validate.url(branding.website, field: "branding.website"))
    }

    // MARK: Members

    public func members(_ access: ChamberAccess, page: PageRequest) async throws -> Page<Member> {
        try access.require(.view, .member)
        let hidden = try await contactsHidden(access)
        return try await store.scoped(to: access.chamberID).members.list(page: page).map { Self.redacted($0, hidden: hidden, for: access) }
    }

    public func member(_ access: ChamberAccess, userID: UserID) async throws -> Member {
        try access.require(.view, .member)
        guard let member = try await store.scoped(to: access.chamberID).members.find(userID: userID) else {
            throw ChamberError(.memberNotFound, "no member \(userID) in this chamber")
        }
        return Self.redacted(member, hidden: try await contactsHidden(access), for: access)
    }

    func contactsHidden(_ access: ChamberAccess) async throws -> Bool {
        try await store.contactsHidden(from: access)
    }

    static func redacted(_ member: Member, hidden: Bool, for access: ChamberAccess) -> Member {
        guard hidden, member.user.id != access.userID else { return member }
        var user = member.user
        user.email = ""
        return Member(membership: member.membership, user: user)
    }

    /// Changes a member's role. Only roles the caller may assign, never over a more powerful member, never the last admin away.
    public func changeRole(_ access: ChamberAccess, userID: UserID, to role: Role) async throws -> Member {
        try access.require(.update, .member)
        let target = try await member(access, userID: userID)
        guard Permissions.canAssign(role, actor: access.role), Permissions.canAssign(target.membership.role, actor: access.role) else {
            throw ChamberError(
                .roleNotAssignable, "role '\(access.role.rawValue)' may not change a '\(target.membership.role.rawValue)' into a '\(role.rawValue)'",
                field: "role")
        }
        try await store.scoped(to: access.chamberID).members.changeRole(userID: userID, to: role)
        // Their sockets reconnect with the new rights before anything below may fail.
        await observer?.roleChanged(chamberID: access.chamberID, userID: userID)
        try await audit(access, "member.role_changed", target: "user:\(userID)", detail: "\(target.membership.role.rawValue) -> \(role.rawValue)")
        return try await member(access, userID: userID)
    }

    /// Removes a member. Anyone may leave; removing others needs `delete member` and power over their role.
    public func remove(_ access: ChamberAccess, userID: UserID) async throws {
        // Leaving needs no right to see the member list (guests may leave too).
        let target =
            userID == access.userID
            ? try await store.scoped(to: access.chamberID).members.find(userID: userID).orThrow(
                ChamberError(.memberNotFound, "no member \(userID) in this chamber"))
            : try await member(access, userID: userID)
        if userID != access.userID {
            try access.require(.delete, .member)
            guard Permissions.canAssign(target.membership.role, actor: access.role) else {
                throw ChamberError(.roleNotAssignable, "role '\(access.role.rawValue)' may not remove a '\(target.membership.role.rawValue)'")
            }
        }
        let scope = store.scoped(to: access.chamberID)
        // The business's staff are freed with the membership that seated them: their sockets pick that up.
        var freed: BusinessSeating?
        if let businessID = target.membership.standing?.businessID { freed = try await scope.seats.seating(of: businessID, at: now()) }
        guard try await scope.members.remove(userID: userID) else {
            throw ChamberError(.memberNotFound, "no member \(userID) in this chamber")
        }
        // Their sockets close before anything below may fail.
        await observer?.memberRemoved(chamberID: access.chamberID, userID: userID)
        for person in freed?.people ?? [] where person.seat == .staff {
            await observer?.roleChanged(chamberID: access.chamberID, userID: person.member.user.id)
        }
        try await audit(
            access, userID == access.userID ? "member.left" : "member.removed", target: "user:\(userID)", detail: target.membership.role.rawValue)
    }

    // MARK: Invitations

    /// Invites an email address with a role; mails the token and returns it once.
    public func invite(_ access: ChamberAccess, email rawEmail: String, role: Role) async throws -> IssuedInvitation {
        try access.require(.create, .invitation)
        guard Permissions.canAssign(role, actor: access.role) else {
            throw ChamberError(.roleNotAssignable, "role '\(access.role.rawValue)' may not invite a '\(role.rawValue)'", field: "role")
        }
        return try await issueInvitation(access, email: rawEmail, role: role, seatOf: nil)
    }

    /// Invites `email` to one of the business's seats, which the invitation keeps while pending: someone new joins the
    /// chamber as a member on it, a member of the chamber takes it (keeping their role). By the holder of the
    /// business's membership while it is in good standing, staff and admins. `seats_full` when none is free,
    /// `seat_conflict` for a member who holds a membership or another seat.
    public func invite(_ access: ChamberAccess, email rawEmail: String, toSeatOf businessID: BusinessID) async throws -> IssuedInvitation {
        let seating = try await BusinessSeatService.seating(of: businessID, in: store.scoped(to: access.chamberID), at: now())
        try seating.requireOffered(by: access)
        try seating.requireFreeSeat()
        return try await issueInvitation(access, email: rawEmail, role: .member, seatOf: businessID)
    }

    private func issueInvitation(
        _ access: ChamberAccess, email rawEmail: String, role: Role, seatOf businessID: BusinessID?
    ) async throws
        -> IssuedInvitation
    {
        let email = try Validate.email(rawEmail)
        let scope = store.scoped(to: access.chamberID)
        if let user = try await store.users.find(email: email), let member = try await scope.members.find(userID: user.id) {
            guard businessID != nil else { throw ChamberError(.alreadyMember, "\(email) is a member already", field: "email") }
            guard member.membership.standing == nil, member.membership.businessSeat == nil else {
                throw ChamberError(.seatConflict, "\(email) is with a business already (its membership or one of its seats)", field: "email")
            }
        }
        let at = now()
        let invitation = Invitation(
            id: .generate(), chamberID: access.chamberID, email: email, role: role, invitedBy: access.userID,
            createdAt: at, expiresAt: at.addingTimeInterval(configuration.invitationLifetime), businessID: businessID)
        // The token names its chamber so acceptance can look it up inside that chamber's scope only.
        let token = "\(access.chamberID.rawValue).\(vault.newSecret())"
        try await scope.invitations.insert(invitation, tokenHash: vault.digest(token))
        let chamber = try await self.chamber(access)
        var joining = "as \(role.rawValue)"
        if let businessID, let business = try await scope.businesses.find(id: businessID) {
            joining = "on a seat of \(business.displayName ?? business.legalName)'s membership"
        }
        try await mailer.send(
            Mail(
                kind: .invitation, to: email, subject: "You are invited to \(chamber.name) on ChamberConnect",
                body:
                    "\(access.identity.user.displayName) invites you to join \(chamber.name) \(joining).\nInvitation token: \(token)\nSign in (or register with this address) and accept it; it expires \(invitation.expiresAt)."
                    + (configuration.webAppURL.map { "\nOpen \($0)/#/invitation/\(token) to accept it in the browser." } ?? "")
            ))
        try await audit(
            access, "invitation.created", target: "invitation:\(invitation.id)",
            detail: "\(email) as \(role.rawValue)\(businessID.map { " on a seat of business:\($0)" } ?? "")")
        return IssuedInvitation(invitation: invitation, token: token)
    }

    public func invitations(_ access: ChamberAccess, page: PageRequest) async throws -> Page<Invitation> {
        try access.require(.view, .invitation)
        return try await store.scoped(to: access.chamberID).invitations.list(page: page)
    }

    public func revokeInvitation(_ access: ChamberAccess, id: InvitationID) async throws {
        try access.require(.delete, .invitation)
        let invitations = store.scoped(to: access.chamberID).invitations
        guard let invitation = try await invitations.find(id: id) else {
            throw ChamberError(.invitationNotFound, "no invitation \(id) in this chamber")
        }
        guard invitation.status(at: now()) == .pending, try await invitations.revoke(id: id, at: now()) else {
            throw ChamberError(.invitationExpired, "invitation \(id) is \(invitation.status(at: now()).rawValue), not pending")
        }
        try await audit(access, "invitation.revoked", target: "invitation:\(id)", detail: invitation.email)
    }

    /// Accepts an invitation addressed to the caller's email and joins its chamber.
    public func accept(invitationToken token: String, by identity: Identity) async throws -> (Chamber, Membership) {
        let parts = token.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let chamberID = ChamberID(validating: String(parts[0])) else {
            throw ChamberError(.invitationNotFound, "invitation token is not valid", field: "token")
        }
        let scope = store.scoped(to: chamberID)
        guard let invitation = try await scope.invitations.find(tokenHash: vault.digest(token)) else {
            throw ChamberError(.invitationNotFound, "invitation token is not valid", field: "token")
        }
        let at = now()
        guard invitation.status(at: at) == .pending else {
            throw ChamberError(.invitationExpired, "this invitation is \(invitation.status(at: at).rawValue)")
        }
        guard invitation.email == identity.user.email else {
            throw ChamberError(.invitationEmailMismatch, "this invitation was sent to another email address; sign in with that account")
        }
        // A business that lapsed since it invited seats nobody new: the invitation waits for its renewal.
        if let businessID = invitation.businessID, let seating = try? await scope.seats.seating(of: businessID, at: at), seating.tierID != nil,
            !seating.holderInGoodStanding
        {
            throw ChamberError(
                .membershipInactive,
                "the business's membership is \(seating.holder?.membership.standing?.status.rawValue ?? "gone"): its seats wait for its renewal")
        }
        let membership = try await scope.invitations.accept(
            id: invitation.id,
            membership: Membership(
                chamberID: chamberID, userID: identity.user.id, role: invitation.role, joinedAt: at, businessSeat: invitation.businessID),
            at: at)
        if invitation.businessID != nil { await observer?.roleChanged(chamberID: chamberID, userID: identity.user.id) }
        try await scope.auditLog.append(
            AuditEntry(
                chamberID: chamberID, actorID: identity.user.id, action: "invitation.accepted",
                target: "user:\(identity.user.id)",
                detail: invitation.businessID.map { "a seat of business:\($0) as \(membership.role.rawValue)" } ?? invitation.role.rawValue, at: at))
        guard let chamber = try await store.chambers.find(id: chamberID) else {
            throw ChamberError(.chamberNotFound, "the chamber of this invitation no longer exists")
        }
        return (chamber, membership)
    }

    // MARK: Audit

    public func auditLog(_ access: ChamberAccess, query: AuditQuery = .init(), page: PageRequest) async throws -> Page<AuditEntry> {
        try access.require(.view, .auditLog)
        return try await store.scoped(to: access.chamberID).auditLog.list(query, page: page)
    }

    /// The most entries one export holds; narrow the query (`since`, `until`) for more.
    public static let maxExportEntries = 100_000

    /// Every entry matching the query, newest first, for an export (at most ``maxExportEntries``).
    public func exportAuditLog(_ access: ChamberAccess, query: AuditQuery) async throws -> [AuditEntry] {
        try access.require(.view, .auditLog)
        let log = store.scoped(to: access.chamberID).auditLog
        return try await Page.collect(upTo: Self.maxExportEntries) { try await log.list(query, page: $0) }
    }

    private func audit(_ access: ChamberAccess, _ action: String, target: String?, detail: String?) async throws {
        try await audit(access.chamberID, access.userID, action, target: target, detail: detail)
    }

    private func audit(_ chamberID: ChamberID, _ actor: UserID, _ action: String, target: String?, detail: String?) async throws {
        try await store.scoped(to: chamberID).auditLog.append(
            AuditEntry(chamberID: chamberID, actorID: actor, action: action, target: target, detail: detail, at: now()))
    }
}

extension Optional {
    func orThrow(_ error: ChamberError) throws(ChamberError) -> Wrapped {
        guard let value = self else { throw error }
        return value
    }
}
