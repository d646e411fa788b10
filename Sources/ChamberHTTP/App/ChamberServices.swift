import ChamberDomain
import ChamberRealtime

/// The domain services the routes call, built once by the composition root.
public struct ChamberServices: Sendable {
    public let store: any Store
    public let accounts: AccountService
    public let chambers: ChamberService
    public let businesses: BusinessService
    public let devices: DeviceService
    /// Admins' view of the chamber's pushes.
    public let pushes: PushAdminService
    public let loadTests: LoadTestService
    /// One-click unsubscription from notification e-mail.
    public let emailUnsubscribe: EmailUnsubscribe
    /// Invoices, payments and refunds, and their ledger.
    public let billing: BillingService
    /// Verifies the card processor's webhooks; none where card payments are not set up.
    public let paymentWebhooks: (any PaymentWebhookVerifier)?
    /// The chamber's own webhook endpoints, and their deliveries.
    public let webhooks: WebhookService
    /// Admins' keys for the chamber's other tools.
    public let apiKeys: ApiKeyService
    /// Sign-in with OpenID Connect providers, and linking them to accounts.
    public let signIn: SignInService

    public init(
        store: any Store, accounts: AccountService, billing: BillingService, paymentWebhooks: (any PaymentWebhookVerifier)?,
        chambers: ChamberService, businesses: BusinessService,
        devices: DeviceService,
        pushes: PushAdminService, loadTests: LoadTestService, emailUnsubscribe: EmailUnsubscribe, webhooks: WebhookService,
        apiKeys: ApiKeyService, signIn: SignInService
    ) {
        self.signIn = signIn
        self.apiKeys = apiKeys
        self.webhooks = webhooks
        self.emailUnsubscribe = emailUnsubscribe
        self.store = store
        self.accounts = accounts
        self.chambers = chambers
        self.businesses = businesses
        self.devices = devices
        self.pushes = pushes
        self.loadTests = loadTests
        self.billing = billing
        self.paymentWebhooks = paymentWebhooks
    }
}

/// The hub and the services built on the chat service, with the WebSocket endpoint that joins them to HTTP.
public struct RealtimeServices: Sendable {
    public let hub: Hub
    public let chat: ChatService
    public let moderation: ModerationService
    public let notificationPreferences: NotificationPreferencesService
    public let notificationFeed: NotificationFeedService
    public let endpoint: WebSocketEndpoint

    public init(
        hub: Hub, chat: ChatService, moderation: ModerationService, notificationPreferences: NotificationPreferencesService,
        notificationFeed: NotificationFeedService, endpoint: WebSocketEndpoint
    ) {
        self.hub = hub
        self.chat = chat
        self.moderation = moderation
        self.notificationPreferences = notificationPreferences
        self.notificationFeed = notificationFeed
        self.endpoint = endpoint
    }
}

/// Membership: tiers, applications from the first step to the decision, standing through the year, the directory.
public struct MembershipServices: Sendable {
    public let tiers: TierService
    public let applications: MembershipApplicationService
    public let standings: MembershipStandingService
    /// Who holds the seats of member businesses.
    public let seats: BusinessSeatService
    public let directory: DirectoryService
    /// Uploaded files, handed out by signed link.
    public let files: FileService
    /// Members in bulk: CSV import and export.
    public let records: MemberRecordsService
    /// Members' engagement, measured.
    public let engagement: EngagementService
    /// A member's data theirs: exports and erasure.
    public let privacy: PrivacyService
    /// Messages and audit entries archived and removed past the chamber's retention.
    public let retention: RetentionService

    public init(
        tiers: TierService, applications: MembershipApplicationService, standings: MembershipStandingService, seats: BusinessSeatService,
        directory: DirectoryService, files: FileService, records: MemberRecordsService, engagement: EngagementService, privacy: PrivacyService,
        retention: RetentionService
    ) {
        self.seats = seats
        self.retention = retention
        self.privacy = privacy
        self.engagement = engagement
        self.records = records
        self.tiers = tiers
        self.applications = applications
        self.standings = standings
        self.directory = directory
        self.files = files
    }
}

/// Events: the catalogue staff run, registrations, and the door.
public struct EventServices: Sendable {
    public let events: EventService
    public let registrations: RegistrationService
    public let door: DoorService
    /// Offers and payments that ran out, seats for those waiting, events that ended.
    public let upkeep: EventUpkeep
    /// Reports and exports.
    public let reports: EventReportService

    public init(events: EventService, registrations: RegistrationService, door: DoorService, upkeep: EventUpkeep, reports: EventReportService) {
        self.events = events
        self.registrations = registrations
        self.door = door
        self.upkeep = upkeep
        self.reports = reports
    }
}
