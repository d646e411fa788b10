import Foundation

/// A chamber's membership tiers: every role reads them, admins and staff define them. A tier is never deleted (members
/// and applications name it); it is retired with `active: false`.
public final class TierService: Sendable {
    private let store: any Store
    private let now: @Sendable () -> Date

    public init(store: any Store, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.now = now
    }

    /// The tiers on offer; staff and admins also see retired ones when they ask.
    public func list(_ access: ChamberAccess, includingRetired: Bool = false) async throws -> [MembershipTier] {
        try access.require(.view, .tier)
        let retired = includingRetired && Permissions.allows(access.role, .update, .tier)
        return try await store.scoped(to: access.chamberID).tiers.list(includingRetired: retired)
    }

    public func create(_ access: ChamberAccess, input: TierInput) async throws -> MembershipTier {
        try access.require(.create, .tier)
        guard let name = input.name else { throw ChamberError(.validationFailed, "name is required", field: "name") }
        guard let dues = input.duesCents else { throw ChamberError(.validationFailed, "dues_cents is required", field: "dues_cents") }
        guard let period = input.period else { throw ChamberError(.validationFailed, "period is required", field: "period") }
        var tier = MembershipTier(
            id: .generate(), chamberID: access.chamberID, name: try Validate.name(name, field: "name", maxLength: 60), duesCents: dues,
            period: period, createdAt: now())
        try Self.apply(input, to: &tier)
        try await store.scoped(to: access.chamberID).tiers.insert(tier)
        try await audit(access, "tier.created", tier)
        return tier
    }

    public func update(_ access: ChamberAccess, id: TierID, input: TierInput) async throws -> MembershipTier {
        try access.require(.update, .tier)
        let tiers = store.scoped(to: access.chamberID).tiers
        guard var tier = try await tiers.find(id: id) else { throw ChamberError(.tierNotFound, "no tier \(id) in this chamber") }
        if let name = input.name { tier.name = try Validate.name(name, field: "name", maxLength: 60) }
        if let period = input.period { tier.period = period }
        try Self.apply(input, to: &tier)
        try await tiers.update(tier)
        try await audit(access, "tier.changed", tier)
        return tier
    }

    /// Dues up to a million a period, a seat or up to 500, up to 20 benefits of a line each.
    static func apply(_ input: TierInput, to tier: inout MembershipTier) throws(ChamberError) {
        if let dues = input.duesCents {
            guard (0...100_000_000).contains(dues) else {
                throw ChamberError(.validationFailed, "dues_cents must be between 0 and 100000000", field: "dues_cents")
            }
            tier.duesCents = dues
        }
        if let seats = input.seats {
            guard (1...500).contains(seats) else { throw ChamberError(.validationFailed, "seats must be between 1 and 500", field: "seats") }
            tier.seats = seats
        }
        if let benefits = input.benefits {
            guard benefits.count <= 20 else { throw ChamberError(.validationFailed, "at most 20 benefits", field: "benefits") }
            var checked: [String] = []
            for benefit in benefits { checked.append(try Validate.name(benefit, field: "benefits", maxLength: 200)) }
            tier.benefits = checked
        }
        if let active = input.active { tier.active = active }
    }

    private func audit(_ access: ChamberAccess, _ action: String, _ tier: MembershipTier) async throws {
        try await store.scoped(to: access.chamberID).auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: action, target: "tier:\(tier.id)",
                detail: "\(tier.name): \(tier.duesCents) per \(tier.period.rawValue)\(tier.active ? "" : ", retired")", at: now()))
    }
}
