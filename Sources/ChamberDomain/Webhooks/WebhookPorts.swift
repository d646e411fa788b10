import Foundation

/// A chamber's webhook endpoints and their deliveries.
public protocol WebhookEndpointStore: Sendable {
    func insert(_ endpoint: WebhookEndpoint) async throws
    func find(id: WebhookEndpointID) async throws -> WebhookEndpoint?
    /// Oldest first.
    func list() async throws -> [WebhookEndpoint]
    /// Writes its URL, description, events and whether it is active.
    func update(_ endpoint: WebhookEndpoint) async throws
    /// Removes it and its deliveries; false when there was none.
    func delete(id: WebhookEndpointID) async throws -> Bool
    /// Its deliveries, newest first, in `status` when given.
    func deliveries(of endpoint: WebhookEndpointID, status: WebhookDeliveryStatus?, page: PageRequest) async throws -> Page<WebhookDelivery>
    /// Queues a failed or delivered delivery again, due at `at`, its attempts counted afresh; nil when there is none.
    func redeliver(_ id: String, of endpoint: WebhookEndpointID, at: Date) async throws -> WebhookDelivery?
    /// Queues `events` for every active endpoint of the chamber that takes their type, unless queued already (by
    /// event id): the write is the same whoever repeats it.
    func enqueue(_ events: [WebhookEvent]) async throws
    /// Queues `event` for `endpoint` alone, whatever events it takes (a ping).
    func enqueue(_ event: WebhookEvent, for endpoint: WebhookEndpointID) async throws
}

/// The deliveries of every chamber, claimed by lease by the nodes' workers: a node that dies mid-send leaves its
/// claims to another once the lease ends.
public protocol WebhookOutboxStore: Sendable {
    /// Claims up to `limit` pending deliveries due at `instant` that no live lease holds, for `lease` seconds under
    /// `claim`, counting the attempt.
    func claim(limit: Int, at instant: Date, lease: TimeInterval, claim: String) async throws -> [WebhookDelivery]
    func renew(claim: String, until: Date) async throws
    /// Ends or reschedules deliveries `claim` still holds, in one transaction.
    func finish(_ results: [(id: String, result: WebhookResult)], claim: String, at instant: Date) async throws
    /// When the earliest pending delivery is due, if any.
    func nextDue() async throws -> Date?
    /// Forgets deliveries that ended before `instant`; returns how many.
    func prune(finishedBefore instant: Date) async throws -> Int
}

/// Posts one delivery: signed with its secret at the moment of sending.
public protocol WebhookTransport: Sendable {
    /// Never throws: every failure is an outcome.
    func post(_ delivery: WebhookDelivery, at instant: Date) async -> WebhookOutcome
}
