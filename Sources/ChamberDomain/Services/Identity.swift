import Foundation

/// Who is calling: a verified access token's user and session.
public struct Identity: Sendable, Equatable {
    public let user: User
    public let sessionID: SessionID
    /// When the access token that proved this identity expires.
    public let tokenExpiresAt: Date?
    /// Whether the session proved a second factor.
    public let secondFactor: Bool
    /// The OpenID Connect provider the session signed in through; nil for a password.
    public let signInProvider: String?
    /// Whether a chamber's API key acts as this identity (its maker), rather than a signed-in session.
    public let throughApiKey: Bool

    public init(
        user: User, sessionID: SessionID, tokenExpiresAt: Date? = nil, secondFactor: Bool = false, signInProvider: String? = nil,
        throughApiKey: Bool = false
    ) {
        self.signInProvider = signInProvider
        self.throughApiKey = throughApiKey
        self.user = user
        self.sessionID = sessionID
        self.tokenExpiresAt = tokenExpiresAt
        self.secondFactor = secondFactor
    }

    /// Throws `two_factor_enrolment_required` when `requirement` covers `role` and this session proved no second factor.
    public func requireSecondFactor(_ requirement: TwoFactorRequirement, as role: Role) throws(ChamberError) {
        guard requirement.applies(to: role), !secondFactor else { return }
        throw ChamberError(
            .twoFactorEnrolmentRequired,
            "this chamber requires two-factor sign-in of its \(requirement == .everyone ? "members" : requirement.rawValue): "
                + "set up an authenticator app (POST /v1/auth/two-factor/totp), or sign in again with it")
    }

    /// Throws `sign_in_provider_required` when the chamber requires its admins to sign in through `provider` and this
    /// admin's session signed in otherwise. An API key is no sign-in: it acts while its maker administers the chamber.
    public func requireSignInProvider(_ provider: String?, as role: Role) throws(ChamberError) {
        guard let provider, role == .admin, !throughApiKey, signInProvider != provider else { return }
        throw ChamberError(
            .signInProviderRequired,
            "this chamber requires its admins to sign in through its provider '\(provider)' (POST /v1/auth/providers/\(provider)/start)")
    }

    /// Throws `platform_admin_required` unless the caller administers the platform; `what` says what needed it.
    public func requirePlatformAdmin(for what: String) throws(ChamberError) {
        guard user.isPlatformAdmin else { throw ChamberError(.platformAdminRequired, "\(what) needs a platform administrator") }
    }
}

/// A caller's standing in one chamber, after the membership check. Carry it to every chamber operation.
public struct ChamberAccess: Sendable {
    public let identity: Identity
    public let chamberID: ChamberID
    /// The caller's role; platform admins act as chamber admins.
    public let role: Role
    /// Whether the role comes from platform administration rather than a membership.
    public let viaPlatformAdmin: Bool
    /// When the caller joined the chamber (nil for a platform admin without a membership).
    public let memberSince: Date?
    /// The status of the membership the caller pays dues for, if they do; read with the role.
    public let standing: MembershipStatus?

    package init(
        identity: Identity, chamberID: ChamberID, role: Role, viaPlatformAdmin: Bool, memberSince: Date? = nil, standing: MembershipStatus? = nil
    ) {
        self.identity = identity
        self.chamberID = chamberID
        self.role = role
        self.viaPlatformAdmin = viaPlatformAdmin
        self.memberSince = memberSince
        self.standing = standing
    }

    /// Throws `membership_inactive` unless the caller's standing allows `privilege`. Staff and admins run the
    /// chamber whatever their own business's dues; a member without a standing (invited) is not bound by one.
    public func require(_ privilege: MemberPrivilege) throws(ChamberError) {
        guard let standing, role != .admin, role != .staff, !standing.allows(privilege) else { return }
        throw ChamberError(
            .membershipInactive, "your membership is \(standing.rawValue): renew it, or ask the chamber, to \(privilege.phrase) again")
    }

    public var userID: UserID { identity.user.id }

    /// Throws `forbidden` unless the permission table allows this role the action.
    public func require(_ action: Action, _ resource: Resource) throws(ChamberError) {
        guard Permissions.allows(role, action, resource) else {
            throw ChamberError(.forbidden, "role '\(role.rawValue)' may not \(action.rawValue) \(resource.rawValue) in this chamber")
        }
    }

    public func can(_ action: Action, _ resource: Resource) -> Bool { Permissions.allows(role, action, resource) }
}

extension Store {
    /// Whether the chamber keeps members' contact details from the caller (staff and admins always see them).
    func contactsHidden(from access: ChamberAccess) async throws -> Bool {
        guard access.role < .staff else { return false }
        return try await chambers.find(id: access.chamberID).map { !$0.settings.directoryVisibleToMembers } ?? true
    }
}
