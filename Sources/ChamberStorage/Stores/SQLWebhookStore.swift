import ChamberDomain
import Foundation

/// A chamber's webhook endpoints and their deliveries (`webhook_endpoints`, `webhook_deliveries`). Queuing an event is
/// one `INSERT … SELECT` over the chamber's active endpoints that take its type, keyed by (endpoint, event id): the
/// same event queued twice is one delivery. Billing queues its events inside the transaction that moves the money.
struct SQLWebhookStore: WebhookEndpointStore {
    let sql: ChamberScopedSQL

    static let endpointColumns = "id, chamber_id, url, description, events, active, secret, created_by, created_at"
    /// A delivery's columns, its endpoint's URL and secret with them (`d` the delivery, `e` the endpoint).
    static let deliveryColumns = """
        d.id, d.endpoint_id, d.chamber_id, d.event_id, d.type, d.body, d.status, d.attempts, d.last_status_code, d.last_error, d.created_at, \
        d.next_attempt_at, d.finished_at, e.url, e.secret
        """

    static func endpoint(_ row: SQLRow) throws -> WebhookEndpoint {
        WebhookEndpoint(
            id: try row.id("id"), chamberID: try row.id("chamber_id"), url: try row.string("url"), description: try row.optionalString("description"),
            events: Set(try row.string("events").split(separator: ",").compactMap { WebhookEventType(rawValue: String($0)) }),
            active: try row.bool("active"), secret: try row.string("secret"), createdBy: try row.id("created_by"),
            createdAt: try row.date("created_at"))
    }

    static func delivery(_ row: SQLRow) throws -> WebhookDelivery {
        let status = try row.value("status", as: WebhookDeliveryStatus.self)
        return WebhookDelivery(
            id: try row.string("id"), endpointID: try row.id("endpoint_id"), chamberID: try row.id("chamber_id"), eventID: try row.string("event_id"),
            type: try row.value("type", as: WebhookEventType.self), body: try row.string("body"), url: try row.string("url"),
            secret: try row.string("secret"), status: status, attempts: Int(try row.int("attempts")),
            lastStatusCode: try row.optionalInt("last_status_code").map(Int.init), lastError: try row.optionalString("last_error"),
            createdAt: try row.date("created_at"), nextAttemptAt: status == .pending ? try row.optionalDate("next_attempt_at") : nil,
            finishedAt: try row.optionalDate("finished_at"))
    }

    /// The events column: `,a,b,`, so one type is found by `LIKE '%,a,%'`.
    private static func eventsText(_ events: Set<WebhookEventType>) -> String { "," + events.map(\.rawValue).sorted().joined(separator: ",") + "," }

    func insert(_ endpoint: WebhookEndpoint) async throws {
        try await sql.query(
            "INSERT INTO webhook_endpoints (\(Self.endpointColumns)) VALUES (?, :chamber, ?, ?, ?, ?, ?, ?, ?)",
            [
                .id(endpoint.id), .text(endpoint.url), .text(endpoint.description), .text(Self.eventsText(endpoint.events)), .bool(endpoint.active),
                .text(endpoint.secret), .id(endpoint.createdBy), .date(endpoint.createdAt),
            ])
    }

    func find(id: WebhookEndpointID) async throws -> WebhookEndpoint? {
        try await sql.query("SELECT \(Self.endpointColumns) FROM webhook_endpoints WHERE chamber_id = :chamber AND id = ?", [.id(id)]).first.map(
            Self.endpoint)
    }

    func list() async throws -> [WebhookEndpoint] {
        try await sql.query("SELECT \(Self.endpointColumns) FROM webhook_endpoints WHERE chamber_id = :chamber ORDER BY created_at, id").map(
            Self.endpoint)
    }

    func update(_ endpoint: WebhookEndpoint) async throws {
        try await sql.query(
            "UPDATE webhook_endpoints SET url = ?, description = ?, events = ?, active = ? WHERE chamber_id = :chamber AND id = ?",
            [.text(endpoint.url), .text(endpoint.description), .text(Self.eventsText(endpoint.events)), .bool(endpoint.active), .id(endpoint.id)])
    }

    func delete(id: WebhookEndpointID) async throws -> Bool {
        try await sql.transaction { tx in
            try await tx.query("DELETE FROM webhook_deliveries WHERE chamber_id = :chamber AND endpoint_id = ?", [.id(id)])
            return !(try await tx.query("DELETE FROM webhook_endpoints WHERE chamber_id = :chamber AND id = ? RETURNING id", [.id(id)]).isEmpty)
        }
    }

    func deliveries(of endpoint: WebhookEndpointID, status: WebhookDeliveryStatus?, page: PageRequest) async throws -> Page<WebhookDelivery> {
        var binds: [SQLValue] = [.id(endpoint)]
        var filter = ""
        if let status {
            filter = " AND d.status = ?"
            binds.append(.text(status.rawValue))
        }
        let rows = try await sql.query(
            """
            SELECT \(Self.deliveryColumns) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE d.chamber_id = :chamber AND d.endpoint_id = ?\(filter) ORDER BY d.created_at DESC, d.id DESC LIMIT ? OFFSET ?
            """, binds + page.sqlBinds)
        return Page(fetched: try rows.map(Self.delivery), request: page)
    }

    func redeliver(_ id: String, of endpoint: WebhookEndpointID, at: Date) async throws -> WebhookDelivery? {
        let updated = try await sql.query(
            """
            UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, finished_at = NULL, claim = NULL,
                claimed_until = NULL
            WHERE chamber_id = :chamber AND endpoint_id = ? AND id = ? AND status <> 'pending' RETURNING id
            """, [.date(at), .id(endpoint), .text(id)])
        guard !updated.isEmpty else { return nil }
        return try await sql.query(
            """
            SELECT \(Self.deliveryColumns) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE d.chamber_id = :chamber AND d.id = ?
            """, [.text(id)]
        ).first.map(Self.delivery)
    }

    func enqueue(_ events: [WebhookEvent]) async throws {
        for event in events { try await Self.enqueue(event, endpoint: nil, in: sql) }
    }

    func enqueue(_ event: WebhookEvent, for endpoint: WebhookEndpointID) async throws {
        try await Self.enqueue(event, endpoint: endpoint, in: sql)
    }

    /// Queues `event` for the chamber's active endpoints taking its type (or for `endpoint` alone), through `sql` (a
    /// transaction of the caller's when the event must commit with its cause).
    static func enqueue(_ event: WebhookEvent, endpoint: WebhookEndpointID?, in sql: ChamberScopedSQL) async throws {
        let target = endpoint == nil ? "active = ? AND events LIKE ?" : "id = ?"
        let binds: [SQLValue] = endpoint.map { [.id($0)] } ?? [.bool(true), .text("%,\(event.type.rawValue),%")]
        try await sql.query(
            """
            INSERT INTO webhook_deliveries (id, endpoint_id, chamber_id, event_id, type, body, status, attempts, created_at, next_attempt_at)
            SELECT CAST(? AS TEXT) || ':' || id, id, chamber_id, ?, ?, ?, 'pending', 0, ?, ? FROM webhook_endpoints
            WHERE chamber_id = :chamber AND \(target)
            ON CONFLICT (endpoint_id, event_id) DO NOTHING
            """,
            [.text(event.id), .text(event.id), .text(event.type.rawValue), .text(event.body()), .date(event.at), .date(event.at)] + binds)
    }
}

/// The deliveries of every chamber, claimed by lease.
struct SQLWebhookOutboxStore: WebhookOutboxStore {
    let db: any SQLDatabase

    func claim(limit: Int, at instant: Date, lease: TimeInterval, claim: String) async throws -> [WebhookDelivery] {
        // The lease conditions stand in the outer statement too: PostgreSQL re-checks them on a row another claimant
        // changed meanwhile, so two workers never hold one delivery.
        let free = "status = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)"
        let claimed = try await db.query(
            """
            UPDATE webhook_deliveries SET claim = ?, claimed_until = ?, attempts = attempts + 1
            WHERE id IN (SELECT id FROM webhook_deliveries WHERE \(free) ORDER BY next_attempt_at LIMIT ?) AND \(free)
            RETURNING id
            """,
            [
                .text(claim), .date(instant.addingTimeInterval(lease)), .date(instant), .date(instant), .int(Int64(limit)), .date(instant),
                .date(instant),
            ])
        guard !claimed.isEmpty else { return [] }
        return try await db.query(
            """
            SELECT \(SQLWebhookStore.deliveryColumns) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE d.claim = ? ORDER BY d.next_attempt_at
            """, [.text(claim)]
        ).map(SQLWebhookStore.delivery)
    }

    func renew(claim: String, until: Date) async throws {
        try await db.query("UPDATE webhook_deliveries SET claimed_until = ? WHERE claim = ? AND status = 'pending'", [.date(until), .text(claim)])
    }

    func finish(_ results: [(id: String, result: WebhookResult)], claim: String, at instant: Date) async throws {
        guard !results.isEmpty else { return }
        try await db.transaction(retryingConflicts: 3) { tx in
            for (id, result) in results {
                switch result {
                case .delivered(let status):
                    try await tx.query(
                        """
                        UPDATE webhook_deliveries SET status = 'delivered', last_status_code = ?, last_error = NULL, claim = NULL, claimed_until = NULL,
                            finished_at = ? WHERE id = ? AND claim = ?
                        """, [.int(Int64(status)), .date(instant), .text(id), .text(claim)])
                case .retry(let due, let status, let error):
                    try await tx.query(
                        """
                        UPDATE webhook_deliveries SET next_attempt_at = ?, last_status_code = ?, last_error = ?, claim = NULL, claimed_until = NULL
                        WHERE id = ? AND claim = ?
                        """, [.date(due), status.map { .int(Int64($0)) } ?? .null, .text(error), .text(id), .text(claim)])
                case .failed(let status, let error):
                    try await tx.query(
                        """
                        UPDATE webhook_deliveries SET status = 'failed', last_status_code = ?, last_error = ?, claim = NULL, claimed_until = NULL,
                            finished_at = ? WHERE id = ? AND claim = ?
                        """, [status.map { .int(Int64($0)) } ?? .null, .text(error), .date(instant), .text(id), .text(claim)])
                }
            }
        }
    }

    func nextDue() async throws -> Date? {
        try await db.query(
            "SELECT MIN(CASE WHEN claimed_until IS NULL THEN next_attempt_at ELSE claimed_until END) AS due FROM webhook_deliveries WHERE status = 'pending'"
        ).first?.optionalDate("due")
    }

    func prune(finishedBefore instant: Date) async throws -> Int {
        try await db.query("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND finished_at < ? RETURNING id", [.date(instant)]).count
    }
}
