import Foundation

/// What a chamber's admins change of their webhook endpoints, and what they read of the deliveries.
public final class WebhookService: Sendable {
    /// Endpoints a chamber may have.
    public static let maxEndpoints = 20

    private let store: any Store
    private let vault: any SecretVault
    /// Whether `http` URLs are taken (loopback and tests); otherwise only `https`.
    private let allowInsecureURLs: Bool
    /// Told when something was queued on this node, so its worker sends at once.
    private let queued: @Sendable () -> Void
    private let now: @Sendable () -> Date

    public init(
        store: any Store, vault: any SecretVault, allowInsecureURLs: Bool = false, queued: @escaping @Sendable () -> Void = {},
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.vault = vault
        self.allowInsecureURLs = allowInsecureURLs
        self.queued = queued
        self.now = now
    }

    /// The fields of an endpoint an admin sets; on update `nil` leaves a field as it is.
    public struct Input: Sendable {
        public var url: String?
        public var description: String??
        public var events: [String]?
        public var active: Bool?

        public init(url: String? = nil, description: String?? = nil, events: [String]? = nil, active: Bool? = nil) {
            self.url = url
            self.description = description
            self.events = events
            self.active = active
        }
    }

    public func create(_ access: ChamberAccess, _ input: Input) async throws -> WebhookEndpoint {
        try access.require(.update, .chamberSettings)
        let webhooks = store.scoped(to: access.chamberID).webhooks
        guard try await webhooks.list().count < Self.maxEndpoints else {
            throw ChamberError(.validationFailed, "a chamber has at most \(Self.maxEndpoints) webhook endpoints", field: "url")
        }
        guard input.url != nil else { throw ChamberError(.validationFailed, "url is required", field: "url") }
        guard input.events != nil else { throw ChamberError(.validationFailed, "events are required", field: "events") }
        var endpoint = WebhookEndpoint(
            id: .generate(), chamberID: access.chamberID, url: "", events: [], secret: "whsec_" + vault.newSecret(), createdBy: access.userID,
            createdAt: now())
        try apply(input, to: &endpoint)
        try await webhooks.insert(endpoint)
        try await audit(access, "webhook.created", endpoint)
        return endpoint
    }

    public func list(_ access: ChamberAccess) async throws -> [WebhookEndpoint] {
        try access.require(.update, .chamberSettings)
        return try await store.scoped(to: access.chamberID).webhooks.list()
    }

    public func get(_ access: ChamberAccess, id: WebhookEndpointID) async throws -> WebhookEndpoint {
        try access.require(.update, .chamberSettings)
        guard let endpoint = try await store.scoped(to: access.chamberID).webhooks.find(id: id) else {
            throw ChamberError(.webhookEndpointNotFound, "no webhook endpoint \(id) in this chamber")
        }
        return endpoint
    }

    public func update(_ access: ChamberAccess, id: WebhookEndpointID, _ input: Input) async throws -> WebhookEndpoint {
        var endpoint = try await get(access, id: id)
        try apply(input, to: &endpoint)
        try await store.scoped(to: access.chamberID).webhooks.update(endpoint)
        try await audit(access, "webhook.updated", endpoint)
        return endpoint
    }

    public func delete(_ access: ChamberAccess, id: WebhookEndpointID) async throws {
        let endpoint = try await get(access, id: id)
        _ = try await store.scoped(to: access.chamberID).webhooks.delete(id: id)
        try await audit(access, "webhook.deleted", endpoint)
    }

    public func deliveries(
        _ access: ChamberAccess, of id: WebhookEndpointID, status: WebhookDeliveryStatus?, page: PageRequest
    ) async throws -> Page<WebhookDelivery> {
        _ = try await get(access, id: id)
        return try await store.scoped(to: access.chamberID).webhooks.deliveries(of: id, status: status, page: page)
    }

    /// Sends a delivery again, its attempts counted afresh.
    public func redeliver(_ access: ChamberAccess, of id: WebhookEndpointID, delivery: String) async throws -> WebhookDelivery {
        _ = try await get(access, id: id)
        guard let queued = try await store.scoped(to: access.chamberID).webhooks.redeliver(delivery, of: id, at: now()) else {
            throw ChamberError(.webhookDeliveryNotFound, "no delivery \(delivery) of this endpoint")
        }
        self.queued()
        return queued
    }

    /// Queues a `webhook.ping` for the endpoint, whatever events it takes; answers its delivery.
    public func ping(_ access: ChamberAccess, id: WebhookEndpointID) async throws -> String {
        let endpoint = try await get(access, id: id)
        let event = WebhookEvent(
            id: "evt_ping_\(UUID().uuidString.lowercased())", type: .ping, chamberID: access.chamberID,
            data: ["endpoint_id": .string(endpoint.id.rawValue)], at: now())
        try await store.scoped(to: access.chamberID).webhooks.enqueue(event, for: endpoint.id)
        queued()
        return event.id
    }

    private func apply(_ input: Input, to endpoint: inout WebhookEndpoint) throws(ChamberError) {
        if let url = input.url { endpoint.url = try validURL(url) }
        if let description = input.description { endpoint.description = try Validate.optionalText(description, field: "description", maxLength: 200) }
        if let names = input.events {
            var events: Set<WebhookEventType> = []
            for (index, name) in names.enumerated() {
                guard let type = WebhookEventType(rawValue: name), type != .ping else {
                    throw ChamberError(
                        .validationFailed,
                        "'\(name)' is not an event; one of "
                            + WebhookEventType.allCases.filter { $0 != .ping }.map(\.rawValue).joined(separator: ", "),
                        field: "events[\(index)]")
                }
                events.insert(type)
            }
            guard !events.isEmpty else { throw ChamberError(.validationFailed, "name at least one event", field: "events") }
            endpoint.events = events
        }
        if let active = input.active { endpoint.active = active }
    }

    /// An `https` URL without credentials in it (`http` too where insecure URLs are allowed).
    private func validURL(_ raw: String) throws(ChamberError) -> String {
        guard let url = try Validate.url(raw, field: "url"), let components = URLComponents(string: url) else {
            throw ChamberError(.validationFailed, "url is required", field: "url")
        }
        guard components.scheme?.lowercased() == "https" || allowInsecureURLs else {
            throw ChamberError(.validationFailed, "a webhook URL is https", field: "url")
        }
        guard allowInsecureURLs || !Self.isInternal(host: components.host ?? "") else {
            throw ChamberError(.validationFailed, "a webhook URL names a public host, not a loopback, private or link-local one", field: "url")
        }
        guard components.user == nil, components.password == nil, components.fragment == nil else {
            throw ChamberError(.validationFailed, "a webhook URL carries no credentials or fragment; the signature authenticates", field: "url")
        }
        return url
    }

    /// Whether `host` names this machine or a private network: loopback, private, shared and link-local (cloud
    /// metadata) addresses, `localhost` and the `.local` and `.internal` names. Names that resolve there are not caught
    /// here (the resolver answers later, and may change its answer).
    static func isInternal(host raw: String) -> Bool {
        var host = raw.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host.removeLast() }
        if host == "localhost" || [".localhost", ".local", ".internal"].contains(where: host.hasSuffix) { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        if octets.count == 4, octets.allSatisfy({ ($0 ?? -1) >= 0 && ($0 ?? 256) <= 255 }) {
            let (a, b) = (octets[0] ?? 0, octets[1] ?? 0)
            return a == 0 || a == 10 || a == 127 || (a == 169 && b == 254) || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168)
                || (a == 100 && (64...127).contains(b))
        }
        guard host.contains(":") else { return false }
        return host == "::1" || host == "::" || host.hasPrefix("fe8") || host.hasPrefix("fe9") || host.hasPrefix("fea") || host.hasPrefix("feb")
            || host.hasPrefix("fc") || host.hasPrefix("fd") || host.hasPrefix("::ffff:")
    }

    private func audit(_ access: ChamberAccess, _ action: String, _ endpoint: WebhookEndpoint) async throws {
        try await store.scoped(to: access.chamberID).auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: action, target: "webhook:\(endpoint.id)",
                detail: "\(endpoint.url) [\(endpoint.events.sorted().map(\.rawValue).joined(separator: ","))]\(endpoint.active ? "" : " disabled")",
                at: now()))
    }
}
