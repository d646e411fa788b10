import ChamberDomain
import Testing

/// The permission table, written out independently of the implementation as a grid:
/// one row per role, one column per resource, each cell the actions allowed (v view, c create, u update, d delete).
@Suite("Permission table")
struct PermissionsTests {
    static let resources: [Resource] = [
        .chamber, .chamberSettings, .member, .invitation, .business, .channel, .message,
        .announcement, .moderation, .auditLog, .event, .billing, .application, .tier, .standing, .records, .engagement,
    ]
    //                                chamber settings member invite business channel message announce moderation audit event billing application tier standing records engagement
    static let grid: [Role: [String]] = [
        .admin: [
            "vcud", "vcud", "vcud", "vcud", "vcud", "vcud", "vcud", "vcud", "vcud", "vcud", "vcud", "vcud", "vcud", "vcud", "vcud", "vcud", "vcud",
        ],
        .staff: ["v", "v", "vcu", "vcud", "vcud", "vcud", "vcud", "vcud", "v", "v", "vcud", "vcud", "vcud", "vcud", "vcud", "vcud", "vcud"],
        .moderator: ["v", "", "v", "", "v", "vcu", "vcud", "v", "vcud", "", "v", "", "", "v", "", "", ""],
        .board: ["v", "v", "v", "", "v", "vcu", "vcu", "v", "", "v", "v", "v", "v", "v", "v", "", "v"],
        .member: ["v", "", "v", "", "vcu", "vcu", "vcu", "v", "", "", "v", "", "", "v", "", "", ""],
        .trial: ["v", "", "v", "", "v", "v", "vc", "v", "", "", "v", "", "", "v", "", "", ""],
        .guest: ["v", "", "", "", "v", "", "", "v", "", "", "v", "", "", "v", "", "", ""],
    ]

    static let letters: [Action: Character] = [.view: "v", .create: "c", .update: "u", .delete: "d"]

    struct Case: CustomTestStringConvertible, Sendable {
        let role: Role, action: Action, resource: Resource, allowed: Bool
        var testDescription: String { "\(role.rawValue) \(action.rawValue) \(resource.rawValue) -> \(allowed ? "allow" : "deny")" }
    }

    static let cases: [Case] = Role.allCases.flatMap { role in
        resources.enumerated().flatMap { index, resource in
            Action.allCases.map { action in
                Case(role: role, action: action, resource: resource, allowed: grid[role]![index].contains(letters[action]!))
            }
        }
    }

    @Test("grid covers every resource")
    func gridIsComplete() {
        #expect(Set(Self.resources) == Set(Resource.allCases))
        for role in Role.allCases { #expect(Self.grid[role]?.count == Self.resources.count) }
    }

    @Test("role × action × resource", arguments: cases)
    func decision(_ c: Case) {
        #expect(Permissions.allows(c.role, c.action, c.resource) == c.allowed)
    }

    @Test("who may grant which role")
    func assignment() {
        for role in Role.allCases { #expect(Permissions.canAssign(role, actor: .admin)) }
        #expect(Permissions.canAssign(.member, actor: .staff))
        #expect(Permissions.canAssign(.trial, actor: .staff))
        #expect(Permissions.canAssign(.guest, actor: .staff))
        for role in [Role.admin, .staff, .moderator, .board] { #expect(!Permissions.canAssign(role, actor: .staff)) }
        for actor in [Role.moderator, .board, .member, .trial, .guest] {
            for role in Role.allCases { #expect(!Permissions.canAssign(role, actor: actor)) }
        }
    }

    @Test("roles order from most to least powerful")
    func ordering() {
        #expect(Role.admin > Role.staff)
        #expect(Role.staff > Role.moderator)
        #expect(Role.member > Role.trial)
        #expect(Role.trial > Role.guest)
    }
}
