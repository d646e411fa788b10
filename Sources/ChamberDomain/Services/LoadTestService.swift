import Foundation

/// Whether and how far load tests may provision accounts on this server.
public struct LoadTestConfiguration: Sendable {
    /// Off unless the operator turns it on (`loadtest.enabled`): provisioning makes thousands of accounts.
    public var enabled: Bool
    /// The most accounts (members and admins) one provisioning may hold.
    public var maxAccounts: Int
    /// The longest access-token lifetime a load test may ask for.
    public var maxTokenLifetime: TimeInterval

    public init(enabled: Bool = false, maxAccounts: Int = 50_000, maxTokenLifetime: TimeInterval = 12 * 3600) {
        self.enabled = enabled
        self.maxAccounts = maxAccounts
        self.maxTokenLifetime = maxTokenLifetime
    }
}

/// A provisioned load-test population: a chamber with a real event (every member registered, every account in its
/// live room) and an announcement channel, and accounts with access tokens ready to connect.
public struct LoadTestCohort: Sendable {
    public struct Account: Sendable {
        public let userID: UserID
        public let role: Role
        public let accessToken: String
    }

    public let chamberID: ChamberID
    /// The load-test event, published, with every member registered; ``roomID`` is its live room.
    public let eventID: EventID
    public let roomID: ChannelID
    public let announcementsID: ChannelID
    /// The admins first, then the members.
    public let accounts: [Account]
    public let tokensExpireAt: Date
}

/// Prepares load tests: bulk-creates the accounts of a dedicated load-test chamber and hands out their tokens.
///
/// Only platform admins may call it, and only where the operator enabled it. The accounts cannot log in with a
/// password (their hash is of a secret nobody keeps); they live in their own chamber, so a load test never
/// touches a real chamber's members or channels. Provisioning again reuses the accounts and revokes the sessions
/// of the previous run.
public final class LoadTestService: Sendable {
    public static let chamberSlug = "chamberconnect-load-test"
    public static let emailDomain = "load.chamberconnect.test"
    public static let eventTitle = "Load test gala"
    public static let announcementsName = "Load test announcements"

    private let store: any LoadTestStore
    private let hasher: any PasswordHasher
    private let vault: any SecretVault
    private let tokens: any AccessTokenIssuer
    private let configuration: LoadTestConfiguration
    private let now: @Sendable () -> Date

    public init(
        store: any LoadTestStore, hasher: any PasswordHasher, vault: any SecretVault, tokens: any AccessTokenIssuer,
        configuration: LoadTestConfiguration, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.hasher = hasher
        self.vault = vault
        self.tokens = tokens
        self.configuration = configuration
        self.now = now
    }

    /// Makes sure `members` member accounts and `admins` admin accounts exist in the load-test chamber, the members
    /// registered for its event and everyone in the event's room, and returns a fresh access token for each, valid
    /// for `tokenLifetime`. The event runs from now until the tokens expire; a later provisioning reuses it while it
    /// is published and not over.
    public func provision(by identity: Identity, members: Int, admins: Int, tokenLifetime: TimeInterval) async throws -> LoadTestCohort {
        guard configuration.enabled else {
            throw ChamberError(
                .loadTestDisabled, "load testing is off on this server; set loadtest.enabled (CHAMBER_LOADTEST_ENABLED=true) to allow it")
        }
        try identity.requirePlatformAdmin(for: "provisioning load tests")
        guard members >= 0, admins >= 1, members + admins <= configuration.maxAccounts else {
            throw ChamberError(
                .validationFailed, "members + admins must be 1 to \(configuration.maxAccounts), with at least one admin", field: "members")
        }
        guard tokenLifetime >= 60, tokenLifetime <= configuration.maxTokenLifetime else {
            throw ChamberError(
                .validationFailed, "token_ttl_seconds must be 60 to \(Int(configuration.maxTokenLifetime))", field: "token_ttl_seconds")
        }
        let at = now()
        let accounts =
            (0..<admins).map { Self.account("load-admin-\($0)", "Load admin \($0)", at) }
            + (0..<members).map { Self.account("load-\($0)", "Load member \($0)", at) }
        let chamber = Chamber(id: .generate(), name: "Load test chamber", slug: Self.chamberSlug, createdAt: at)
        let roomID = ChannelID.generate()
        // Starting now, it is never reminded of; ending with the tokens, the upkeep completes it after the run.
        let event = Event(
            id: .generate(), chamberID: chamber.id, title: Self.eventTitle, startsAt: at, endsAt: at.addingTimeInterval(tokenLifetime),
            timeZone: "UTC", format: .virtual, virtualURL: "https://\(Self.emailDomain)/gala", status: .published, createdBy: accounts[0].id,
            createdAt: at, roomID: roomID)
        let plan = LoadTestPlan(
            chamber: chamber, accounts: accounts, adminCount: admins, passwordHash: try await hasher.hash(vault.newSecret()), event: event,
            ticket: TicketType(id: .generate(), eventID: event.id, name: "Attendee"),
            room: Channel(
                id: roomID, chamberID: chamber.id, kind: .event, name: Self.eventTitle, eventID: event.id.rawValue, createdBy: accounts[0].id,
                createdAt: at),
            announcements: Channel(
                id: .generate(), chamberID: chamber.id, kind: .announcement, name: Self.announcementsName, createdBy: accounts[0].id, createdAt: at),
            emailDomain: Self.emailDomain, sessionExpiry: at.addingTimeInterval(tokenLifetime), at: at)
        let made = try await store.provision(plan)
        let expiry = at.addingTimeInterval(tokenLifetime)
        var issued: [LoadTestCohort.Account] = []
        issued.reserveCapacity(made.accounts.count)
        for account in made.accounts {
            let token = try await tokens.issue(AccessClaims(userID: account.user.id, sessionID: account.sessionID, expiresAt: expiry))
            issued.append(.init(userID: account.user.id, role: account.role, accessToken: token))
        }
        return LoadTestCohort(
            chamberID: made.chamberID, eventID: made.eventID, roomID: made.roomID, announcementsID: made.announcementsID, accounts: issued,
            tokensExpireAt: expiry)
    }

    private static func account(_ local: String, _ name: String, _ at: Date) -> User {
        User(id: .generate(), email: "\(local)@\(emailDomain)", displayName: name, isPlatformAdmin: false, createdAt: at)
    }
}
