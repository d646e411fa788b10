/// What someone wants to do.
public enum Action: String, Sendable, CaseIterable {
    case view, create, update, delete
}

/// What they want to do it to. Resources belong to one chamber.
public enum Resource: String, Sendable, CaseIterable {
    /// The chamber's profile as members see it.
    case chamber
    /// Settings and branding.
    case chamberSettings
    /// Membership rows: the member list, roles, removal.
    case member
    /// Invitations to join.
    case invitation
    /// The business directory.
    case business
    /// Chat channels (direct, group, event rooms).
    case channel
    /// Messages in channels.
    case message
    /// Announcement channels: everyone reads, few write.
    case announcement
    /// Moderation tools and the review queue.
    case moderation
    /// The append-only audit log.
    case auditLog
    /// Events, RSVPs and check-in.
    case event
    /// Dues, invoices, payments and refunds.
    case billing
    /// Membership applications in the review queue (an applicant reaches their own without a role).
    case application
    /// Membership tiers: their dues, periods and benefits.
    case tier
    /// Dues-paying members' standing: status, tier, dues ledger (a member reaches their own without a role).
    case standing
    /// The chamber's members in bulk: CSV import and export (every member's contacts at once).
    case records
    /// How members take part: last seen, messages sent, the chamber's engagement rate.
    case engagement
}

/// The permission table: a pure function of role × action × resource.
///
/// Ownership ("a member edits their own business") is decided by the services on top of this table,
/// which only answers what a role may do to any resource of the kind.
public enum Permissions {
    public static func allows(_ role: Role, _ action: Action, _ resource: Resource) -> Bool {
        switch role {
        case .admin:
            return true
        case .staff:
            switch resource {
            case .chamber, .chamberSettings, .auditLog: return action == .view
            case .member: return action != .delete
            case .moderation: return action == .view
            default: return true
            }
        case .moderator:
            switch resource {
            case .moderation, .message: return true
            case .channel: return action != .delete
            case .chamber, .member, .business, .announcement, .event, .tier: return action == .view
            default: return false
            }
        case .board:
            switch resource {
            case .chamber, .member, .business, .announcement, .event, .billing, .auditLog, .chamberSettings, .application, .tier, .standing,
                .engagement:
                return action == .view
            case .channel, .message: return action != .delete
            default: return false
            }
        case .member:
            switch resource {
            case .chamber, .member, .announcement, .event, .tier: return action == .view
            case .business, .channel, .message: return action != .delete
            default: return false
            }
        case .trial:
            switch resource {
            case .chamber, .member, .business, .announcement, .event, .channel, .tier: return action == .view
            case .message: return action == .view || action == .create
            default: return false
            }
        case .guest:
            switch resource {
            case .chamber, .business, .announcement, .event, .tier: return action == .view
            default: return false
            }
        }
    }

    /// Whether `actor` may give someone the role `role` (by invitation or by a role change).
    /// Admins grant any role; staff grant only the roles below moderation; nobody else grants roles.
    public static func canAssign(_ role: Role, actor: Role) -> Bool {
        switch actor {
        case .admin: return true
        case .staff: return [.member, .trial, .guest].contains(role)
        default: return false
        }
    }
}
