import Foundation

/// One chamber's data. Implementations bind the chamber id into every query; nothing here can reach
/// another chamber's rows.
public protocol ChamberScopedStore: Sendable {
    var chamberID: ChamberID { get }
    var members: any MemberStore { get }
    var invitations: any InvitationStore { get }
    var businesses: any BusinessStore { get }
    var auditLog: any AuditLogStore { get }
    /// Channels and messages.
    var chat: ChatStores { get }
    /// Sanctions, reports and the review queue.
    var moderation: any ModerationStore { get }
    /// The chamber's notification defaults, members' notification choices and channel mutes.
    var notificationSettings: any NotificationSettingsStore { get }
    /// Members' in-app notification feeds.
    var notificationFeed: any NotificationFeedStore { get }
    /// Membership tiers.
    var tiers: any MembershipTierStore { get }
    /// Membership applications: the review queue.
    var applications: any MembershipApplicationStore { get }
    /// Dues-paying members' standings and dues ledger.
    var standings: any MembershipStandingStore { get }
    /// Who holds the seats of member businesses.
    var seats: any BusinessSeatStore { get }
    /// The business directory, searched.
    var directory: any DirectoryStore { get }
    /// Members imported in bulk, all or nothing.
    var imports: any MemberImportStore { get }
    /// Members' last-seen times and what engagement is counted from.
    var engagement: any EngagementStore { get }
    /// Events, their ticket types and registrations.
    var events: any EventStore { get }
    /// Invoices and their ledger.
    var invoices: any InvoiceStore { get }
    /// Members' cards saved with the processor.
    var savedCards: any SavedCardStore { get }
    /// Webhook endpoints, and the deliveries queued for them.
    var webhooks: any WebhookEndpointStore { get }
    /// What the chamber holds about one person, for their export.
    var personalData: any PersonalDataStore { get }
    /// Members' requests for their data.
    var dataExports: any DataExportStore { get }
    /// Messages and audit entries past the chamber's retention, and their archives.
    var retention: any RetentionStore { get }
}

/// Memberships of the chamber.
public protocol MemberStore: Sendable {
    func find(userID: UserID) async throws -> Member?
    /// The member with the latest ban in force at `date`, if any, the chamber's security policy (whom it requires
    /// a second factor of, which provider its admins sign in through) and the status of the standing that binds them
    /// (their own, or their business's on one of its seats), read together: what admitting a request to the chamber
    /// needs.
    func findAdmission(userID: UserID, at date: Date) async throws -> Admission?
    func list(page: PageRequest) async throws -> Page<Member>
    /// Every member's user id, in no set order: who an announcement reaches, read in one statement.
    func userIDs() async throws -> [UserID]
    /// Adds a membership; throws `already_member`.
    func insert(_ membership: Membership) async throws
    /// Changes a role, refusing (with `last_admin`) to leave the chamber without an admin. Atomic.
    func changeRole(userID: UserID, to role: Role) async throws
    /// Removes a membership, refusing (with `last_admin`) to remove the last admin. Atomic. Returns false if absent.
    func remove(userID: UserID) async throws -> Bool
    func count() async throws -> Int
    /// The users holding one of `roles` (to reach a chamber's moderators).
    func userIDs(withRoles roles: [Role]) async throws -> [UserID]
}

/// Invitations of the chamber, found by id or by the hash of their secret.
public protocol InvitationStore: Sendable {
    func insert(_ invitation: Invitation, tokenHash: String) async throws
    func find(id: InvitationID) async throws -> Invitation?
    func find(tokenHash: String) async throws -> Invitation?
    func list(page: PageRequest) async throws -> Page<Invitation>
    func revoke(id: InvitationID, at: Date) async throws -> Bool
    /// Marks the invitation accepted and inserts the membership in one transaction, returning it. An invitation to a
    /// business's seat (``Membership/businessSeat``) gives a member already in the chamber that seat instead (keeping
    /// their role), counted while the business's seats are held: `seats_full`, `seat_conflict`, `business_not_found`.
    /// Throws `invitation_expired` when someone else used it first, `already_member` when the user belongs already
    /// (to an invitation without a seat).
    func accept(id: InvitationID, membership: Membership, at: Date) async throws -> Membership
}

/// The chamber's business directory.
public protocol BusinessStore: Sendable {
    func insert(_ business: Business) async throws
    func find(id: BusinessID) async throws -> Business?
    func list(page: PageRequest) async throws -> Page<Business>
    /// Writes `business` if its stored revision is still `business.revision` (raising it); false when it was
    /// written since it was read, or is gone.
    func update(_ business: Business) async throws -> Bool
    /// Deletes the listing, freeing its seats and revoking pending invitations to one at `at`; false if absent.
    func delete(id: BusinessID, at: Date) async throws -> Bool
}

/// One line of the append-only audit log.
public struct AuditEntry: Sendable, Equatable, Codable {
    public let id: String
    public let chamberID: ChamberID
    public let actorID: UserID?
    /// Stable verb, e.g. `member.role_changed`.
    public let action: String
    /// What it was done to, e.g. `user:5c1…`.
    public let target: String?
    public let detail: String?
    /// Why, as the actor gave it (moderation actions and decisions).
    public let reason: String?
    public let at: Date

    public init(
        id: String = UUID().uuidString.lowercased(), chamberID: ChamberID, actorID: UserID?, action: String, target: String?, detail: String?,
        reason: String? = nil, at: Date
    ) {
        self.id = id
        self.chamberID = chamberID
        self.actorID = actorID
        self.action = action
        self.target = target
        self.detail = detail
        self.reason = reason
        self.at = at
    }
}

/// Which audit entries to list; every field narrows the list.
public struct AuditQuery: Sendable, Equatable {
    /// An action (`moderation.mute`) or a family of actions ending in `.` (`moderation.`).
    public var action: String?
    public var actorID: UserID?
    /// Exactly this target (`user:…`, `channel:…`).
    public var target: String?
    public var since: Date?
    public var until: Date?

    public init(action: String? = nil, actorID: UserID? = nil, target: String? = nil, since: Date? = nil, until: Date? = nil) {
        self.action = action
        self.actorID = actorID
        self.target = target
        self.since = since
        self.until = until
    }
}

/// The chamber's audit log: appended to, never changed.
public protocol AuditLogStore: Sendable {
    func append(_ entry: AuditEntry) async throws
    /// Newest first.
    func list(_ query: AuditQuery, page: PageRequest) async throws -> Page<AuditEntry>
}

/// What admitting a request to a chamber reads of its caller (``MemberStore/findAdmission(userID:at:)``).
public struct Admission: Sendable {
    public let member: Member
    /// The latest ban in force, if any.
    public let ban: Sanction?
    public let security: SecurityPolicy
    /// The status of the standing that binds the member: their own, or on a business's seat, its holder's.
    public let standing: MembershipStatus?

    public init(member: Member, ban: Sanction?, security: SecurityPolicy, standing: MembershipStatus?) {
        self.member = member
        self.ban = ban
        self.security = security
        self.standing = standing
    }
}
