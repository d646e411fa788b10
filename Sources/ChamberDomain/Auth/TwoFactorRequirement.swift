/// Who must sign in with a second factor to act in a chamber.
public enum TwoFactorRequirement: String, Sendable, Codable, CaseIterable {
    /// Nobody (`none`).
    case nobody = "none"
    case admins
    /// Staff and admins.
    case staff
    case everyone

    /// Reads a requirement as clients write it; `validation_failed` on `field` for anything else.
    public static func parse(_ text: String, field: String) throws(ChamberError) -> TwoFactorRequirement {
        guard let requirement = TwoFactorRequirement(rawValue: text) else {
            throw ChamberError(
                .validationFailed, "two_factor_required_for must be one of \(allCases.map(\.rawValue).joined(separator: ", "))", field: field)
        }
        return requirement
    }

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
    /// Who must sign in with a second factor.
    public var twoFactorRequiredFor: TwoFactorRequirement
    /// The sign-in provider the chamber's admins must sign in through (its own identity provider); nil: any way.
    public var adminSignInProvider: String?

    public init(twoFactorRequiredFor: TwoFactorRequirement = .nobody, adminSignInProvider: String? = nil) {
        self.twoFactorRequiredFor = twoFactorRequiredFor
        self.adminSignInProvider = adminSignInProvider
    }
}
