/// Who must sign in with a second factor to act in a chamber.
public enum TwoFactorRequirement: String, Sendable, Codable, CaseIterable {
    /// Nobody (`none`).
    case nobody = "none"
    case admins
    /// Staff and admins.
    case staff
    case everyone

    /// Whether a caller of `role` must have proved a second factor.
    public func applies(to role: Role) -> Bool {
        switch self {
        case .nobody: false
        case .admins: role == .admin
        case .staff: role == .admin || role == .staff
        case .everyone: true
        }
    }
}

/// A chamber's sign-in rules.
public struct SecurityPolicy: Sendable, Equatable, Codable {
    public var twoFactorRequiredFor: TwoFactorRequirement

    public init(twoFactorRequiredFor: TwoFactorRequirement = .nobody) {
        self.twoFactorRequiredFor = twoFactorRequiredFor
    }
}
