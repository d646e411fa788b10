import Foundation

/// Fills the database with a demo chamber: one account per role, member businesses and members,
/// so an evaluator can see everything without signing up. Idempotent: a second run changes nothing.
public struct DemoSeeder: Sendable {
    /// The demo chamber's slug.
    public static let slug = "demo"
    /// Every demo account's password.
    public static let password = "chamber-demo-2026"

    /// One login of the demo.
    public struct Login: Sendable, Equatable {
        public let email: String
        public let role: String
    }

    private let store: any Store
    private let accounts: AccountService
    private let chat: ChatService?
    private let now: @Sendable () -> Date

    /// - Parameter chat: when given, the demo also gets channels and a message history.
    public init(store: any Store, accounts: AccountService, chat: ChatService? = nil, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.accounts = accounts
        self.chat = chat
        self.now = now
    }

    /// The demo chamber's tiers: name, annual dues in cents, benefits, seats.
    static let sampleTiers: [(String, Int, [String], Int)] = [
        ("Bronze", 25_000, ["Directory listing", "Member chat"], 1),
        ("Silver", 50_000, ["Directory listing", "Member chat", "One event ticket a quarter"], 3),
        ("Gold", 100_000, ["Featured directory listing", "Member chat", "Two event tickets a quarter", "Board breakfast"], 10),
    ]

    public static func email(for role: String) -> String { "\(role)@demo.chamberconnect.test" }

    /// The logins the demo provides.
    public static var logins: [Login] {
        [Login(email: email(for: "platform"), role: "platform admin")]
            + Role.allCases.map { Login(email: email(for: $0.rawValue), role: $0.rawValue) }
    }

    /// Seeds the demo chamber if it is missing and returns it.
    @discardableResult
    public func seed() async throws -> Chamber {
        if let existing = try await store.chambers.find(slug: Self.slug) { return existing }
        _ = try await accounts.ensurePlatformAdmin(email: Self.email(for: "platform"), password: Self.password, displayName: "Pat Platform")
        let names: [Role: String] = [
            .admin: "Avery Admin", .staff: "Sam Staff", .moderator: "Morgan Moderator", .board: "Blake Board",
            .member: "Mia Member", .trial: "Taylor Trial", .guest: "Gale Guest",
        ]
        var users: [Role: User] = [:]
        for role in Role.allCases {
            users[role] = try await account(Self.email(for: role.rawValue), names[role]!)
        }
        let at = now()
        let chamber = Chamber(
            id: .generate(), name: "Springfield Chamber of Commerce", slug: Self.slug,
            settings: ChamberSettings(timezone: "America/Chicago", currency: "USD", publicDirectory: true),
            branding: ChamberBranding(
                primaryColor: "#1F5AA6", tagline: "Where Springfield does business", website: "https://springfield-chamber.example"),
            createdAt: at)
        try await store.chambers.create(chamber, founder: Membership(chamberID: chamber.id, userID: users[.admin]!.id, role: .admin, joinedAt: at))
        let scope = store.scoped(to: chamber.id)
        for role in Role.allCases where role != .admin {
            try await scope.members.insert(Membership(chamberID: chamber.id, userID: users[role]!.id, role: role, joinedAt: at))
        }
        var membersBusiness: BusinessID?
        for (index, sample) in Self.sampleBusinesses.enumerated() {
            let owner: User
            if index == 0 {
                owner = users[.member]!
            } else {
                owner = try await account("owner\(index)@demo.chamberconnect.test", sample.contact)
                try await scope.members.insert(Membership(chamberID: chamber.id, userID: owner.id, role: .member, joinedAt: at))
            }
            let businessID = BusinessID.generate()
            if index == 0 { membersBusiness = businessID }
            try await scope.businesses.insert(
                Business(
                    id: businessID, chamberID: chamber.id, ownerUserID: owner.id, legalName: sample.legalName, displayName: sample.displayName,
                    taxID: sample.taxID, category: sample.category,
                    address: PostalAddress(line1: sample.street, city: "Springfield", region: "IL", postalCode: "62701", country: "US"),
                    website: sample.website, phone: sample.phone, email: nil, socialLinks: sample.social, description: sample.blurb, createdAt: at))
        }
        var tiers: [String: TierID] = [:]
        for (name, dues, benefits, seats) in Self.sampleTiers {
            let id = TierID.generate()
            tiers[name] = id
            try await scope.tiers.insert(
                MembershipTier(
                    id: id, chamberID: chamber.id, name: name, duesCents: dues, period: .annual, benefits: benefits, seats: seats, createdAt: at))
        }
        // The member's business holds a Silver membership, paid for the year: its page shows three seats to offer.
        if let membersBusiness, let silver = tiers["Silver"] {
            let paid = MembershipStanding(
                tierID: silver, status: .active, businessID: membersBusiness, periodStart: at, paidThrough: DuesCalendar.adding(days: 365, to: at),
                statusChangedAt: at)
            _ = try await scope.standings.update(userID: users[.member]!.id, paid, entry: nil, seats: nil, notices: [])
        }
        try await scope.auditLog.append(
            AuditEntry(
                chamberID: chamber.id, actorID: users[.admin]!.id, action: "chamber.created",
                target: "chamber:\(chamber.id)", detail: "demo data", at: at))
        if let chat { try await seedConversations(chat, chamber: chamber, users: users) }
        return chamber
    }

    /// Channels of every kind with a short history, so the chat has something to show.
    private func seedConversations(_ chat: ChatService, chamber: Chamber, users: [Role: User]) async throws {
        func access(_ role: Role) -> ChamberAccess {
            ChamberAccess(
                identity: Identity(user: users[role]!, sessionID: SessionID("demo-seed")), chamberID: chamber.id, role: role, viaPlatformAdmin: false)
        }
        let everyone = Role.allCases.filter { $0 != .admin && $0 != .guest }.map { users[$0]!.id }
        let general = try await chat.create(
            access(.admin), kind: .group, name: "General", topic: "Everything Springfield business", eventID: nil, members: everyone)
        let announcements = try await chat.create(
            access(.admin), kind: .announcement, name: "Announcements", topic: "News from the chamber office", eventID: nil, members: [])
        let gala = try await chat.create(
            access(.staff), kind: .event, name: "Annual Gala 2026", topic: "Live room of the gala night", eventID: "gala-2026",
            members: [users[.member]!.id, users[.board]!.id, users[.admin]!.id])
        let board = try await chat.create(
            access(.admin), kind: .group, name: "Board room", topic: nil, eventID: nil, members: [users[.board]!.id, users[.staff]!.id])
        let direct = try await chat.openDirect(access(.member), with: users[.staff]!.id)
        let script: [(Role, Channel, String)] = [
            (.admin, announcements, "Welcome to the Springfield Chamber's new community space!"),
            (.staff, announcements, "Gala tickets are on sale: members get 20% off until Friday."),
            (.admin, general, "Good morning everyone, glad to have you here."),
            (.member, general, "Morning! Fresh kolaches at the bakery for anyone passing by."),
            (.board, general, "Reminder: the downtown parking survey closes this week."),
            (.moderator, general, "Please keep threads on topic; use the Gala room for event logistics."),
            (.trial, general, "Hi all, trying out the chamber this month. Looking for a printer for banners."),
            (.member, general, "Route 66 Print did ours overnight, highly recommend."),
            (.staff, gala, "Doors open at 6pm, seating chart is at the entrance."),
            (.board, gala, "Who is bringing the silent auction sheets?"),
            (.admin, board, "Draft budget is in the shared folder; let's review Thursday."),
            (.member, direct, "Hi Sam, can I move my dues payment to next month?"),
            (.staff, direct, "Of course, I'll note it on your invoice."),
        ]
        for (index, line) in script.enumerated() {
            _ = try await chat.send(access(line.0), channelID: line.1.id, draft: MessageDraft(clientMessageID: "demo-\(index)", body: line.2))
        }
    }

    private func account(_ email: String, _ name: String) async throws -> User {
        if let user = try await store.users.find(email: email) { return user }
        return try await accounts.register(email: email, password: Self.password, displayName: name)
    }

    struct SampleBusiness {
        let legalName: String, displayName: String, taxID: String, category: String, street: String
        let website: String, phone: String, contact: String, blurb: String, social: [String: String]
    }

    static let sampleBusinesses: [SampleBusiness] = [
        .init(
            legalName: "Mia's Bakery LLC", displayName: "Mia's Bakery", taxID: "12-3456789", category: "722", street: "12 Main St",
            website: "https://miasbakery.example", phone: "+1 217 555 0101", contact: "Mia Member",
            blurb: "Sourdough, kolaches and wedding cakes since 2009.",
            social: ["instagram": "https://instagram.com/miasbakery"]),
        .init(
            legalName: "Prairie Legal Partners LLP", displayName: "Prairie Legal", taxID: "23-4567890", category: "5411",
            street: "400 Capitol Ave",
            website: "https://prairielegal.example", phone: "+1 217 555 0102", contact: "Quinn Counsel",
            blurb: "Business formation, contracts and estate planning.",
            social: ["linkedin": "https://linkedin.com/company/prairielegal"]),
        .init(
            legalName: "Lincoln Hardware Inc.", displayName: "Lincoln Hardware", taxID: "34-5678901", category: "44-45", street: "88 Washington St",
            website: "https://lincolnhardware.example", phone: "+1 217 555 0103", contact: "Hank Hammer",
            blurb: "Tools, paint and keys cut while you wait.", social: [:]),
        .init(
            legalName: "Sangamon Valley Credit Union", displayName: "SVCU", taxID: "45-6789012", category: "522", street: "1 Bank Plaza",
            website: "https://svcu.example", phone: "+1 217 555 0104", contact: "Frances Fund",
            blurb: "Member-owned banking for Springfield families and firms.",
            social: ["facebook": "https://facebook.com/svcu"]),
        .init(
            legalName: "Route 66 Print & Sign Co.", displayName: "Route 66 Print", taxID: "56-7890123", category: "5418", street: "66 Ninth St",
            website: "https://route66print.example", phone: "+1 217 555 0105", contact: "Pia Press",
            blurb: "Banners, signs and event programmes overnight.", social: [:]),
        .init(
            legalName: "Capitol City Dental PC", displayName: "Capitol City Dental", taxID: "67-8901234", category: "621", street: "210 Monroe St",
            website: "https://capitolcitydental.example", phone: "+1 217 555 0106", contact: "Dee Dentin",
            blurb: "Family dentistry, evenings and Saturdays.", social: [:]),
    ]
}
