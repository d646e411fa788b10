/// A user's role inside one chamber. Platform administration is not a chamber role: see ``User/isPlatformAdmin``.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Owner or administrator of the chamber: everything, including roles and settings.
    case admin
    /// Chamber staff: runs membership, events, billing and announcements day to day.
    case staff
    /// Keeps the conversation civil: moderates channels and messages.
    case moderator
    /// Board member: reads the books and the audit log, otherwise a member.
    case board
    /// A member business owner.
    case member
    /// A prospective member on a trial.
    case trial
    /// A guest: sees the public face of the chamber.
    case guest

    /// Rank for "at least" comparisons; lower is more powerful.
    var rank: Int { Role.allCases.firstIndex(of: self)! }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank > rhs.rank }
}
