/// Who reads the directory, from the widest audience to the narrowest. A field's visibility is the widest audience
/// that sees it: `public` fields are seen by everyone, `members` fields by members and staff, `staff` fields by staff.
public enum DirectoryAudience: String, Sendable, Codable, CaseIterable, Comparable {
    /// Anyone, signed in or not: the public directory page.
    case `public`
    /// The chamber's members.
    case members
    /// The chamber's staff and admins.
    case staff

    /// The audience a caller belongs to: staff and admins are staff; guests, who see the chamber's public face,
    /// read as the public; every other role as members. Nil access is an anonymous reader.
    public init(_ access: ChamberAccess?) {
        switch access?.role {
        case nil, .guest: self = .public
        case .admin, .staff: self = .staff
        case .moderator, .board, .member, .trial: self = .members
        }
    }

    /// Whether a field visible to `self` is seen by `reader`.
    public func includes(_ reader: DirectoryAudience) -> Bool { reader >= self }

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}
