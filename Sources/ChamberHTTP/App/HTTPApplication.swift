import ChamberDomain
import Hummingbird
import Logging
import Prometheus

/// Builds the REST router: middleware in order (errors, request id, logging, metrics, authentication), then every route;
/// `web` is what the node serves of the web app; with `metricsToken`, `/metrics` answers only that bearer token;
/// requests from `trustedProxies` come from the client their `X-Forwarded-For` names; pages of `crossOrigin`'s
/// origins may call the API from a browser; with `strictTransportSecurity` every answer asks browsers for HTTPS only.
public func buildRouter(
    services: ChamberServices, realtime: RealtimeServices, membership: MembershipServices, events: EventServices,
    metrics: PrometheusCollectorRegistry, version: String, docs: APIDocsPage? = nil, web: WebApp = WebApp(), metricsToken: String? = nil,
    trustedProxies: TrustedProxies = .none, crossOrigin: CrossOriginPolicy = .none, strictTransportSecurity: Bool = false
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ForwardedClient(trusted: trustedProxies))
    // Outside CrossOrigin: its preflight answers carry the safe headers (and HSTS) too.
    router.add(middleware: SafeResponseHeaders(strictTransportSecurity: strictTransportSecurity))
    router.add(middleware: CrossOrigin(policy: crossOrigin))
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: RedactingRequestLog())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: APIErrorMiddleware())
    router.add(middleware: AuthenticationMiddleware(accounts: services.accounts, apiKeys: services.apiKeys))
    OperationsRoutes(store: services.store, hub: realtime.hub, metrics: metrics, metricsToken: metricsToken, version: version).register(on: router)
    DocsRoutes(page: docs).register(on: router)
    WebAppRoutes(files: web.files, instance: InstanceBody(version: version, app: web)).register(on: router)
    AuthRoutes(services: services).register(on: router)
    TwoFactorRoutes(services: services).register(on: router)
    SignInRoutes(services: services).register(on: router)
    ApiKeyRoutes(services: services).register(on: router)
    ChamberRoutes(services: services).register(on: router)
    ChatRoutes(services: services, chat: realtime.chat, hub: realtime.hub, endpoint: realtime.endpoint).register(on: router)
    ModerationRoutes(services: services, moderation: realtime.moderation).register(on: router)
    NotificationRoutes(services: services, preferences: realtime.notificationPreferences, feed: realtime.notificationFeed).register(on: router)
    EmailRoutes(services: services).register(on: router)
    MembershipRoutes(services: services, membership: membership).register(on: router)
    StandingRoutes(services: services, membership: membership).register(on: router)
    BusinessSeatRoutes(services: services, membership: membership).register(on: router)
    DirectoryRoutes(services: services, membership: membership).register(on: router)
    DocumentRoutes(services: services, membership: membership).register(on: router)
    AttachmentRoutes(services: services, chat: realtime.chat).register(on: router)
    PrivacyRoutes(services: services, membership: membership).register(on: router)
    RetentionRoutes(services: services, membership: membership).register(on: router)
    RecordRoutes(services: services, records: membership.records).register(on: router)
    EngagementRoutes(services: services, engagement: membership.engagement).register(on: router)
    ApplicationEventRoutes(services: services, membership: membership).register(on: router)
    EventRoutes(services: services, events: events).register(on: router)
    BillingRoutes(services: services).register(on: router)
    WebhookRoutes(services: services).register(on: router)
    SavedCardRoutes(services: services).register(on: router)
    LoadTestRoutes(services: services).register(on: router)
    ClusterRoutes(services: services, hub: realtime.hub).register(on: router)
    router.add(middleware: MethodNotAllowed(routes: router.routes))
    return router
}
