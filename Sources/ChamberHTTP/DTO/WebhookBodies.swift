import ChamberDomain
import Foundation

/// A webhook endpoint as its admins read it, the signing secret included.
struct WebhookEndpointBody: Encodable {
    let id: String
    let url: String
    let description: String?
    let events: [String]
    let active: Bool
    let secret: String
    let createdAt: Date

    init(_ endpoint: WebhookEndpoint) {
        id = endpoint.id.rawValue
        url = endpoint.url
        description = endpoint.description
        events = endpoint.events.sorted().map(\.rawValue)
        active = endpoint.active
        secret = endpoint.secret
        createdAt = endpoint.createdAt
    }
}

/// One delivery of an event to an endpoint, with what it carried.
struct WebhookDeliveryBody: Encodable {
    let id: String
    let eventId: String
    let type: String
    let status: String
    let attempts: Int
    let lastStatusCode: Int?
    let lastError: String?
    let createdAt: Date
    let nextAttemptAt: Date?
    let finishedAt: Date?
    let body: String

    init(_ delivery: WebhookDelivery) {
        id = delivery.id
        eventId = delivery.eventID
        type = delivery.type.rawValue
        status = delivery.status.rawValue
        attempts = delivery.attempts
        lastStatusCode = delivery.lastStatusCode
        lastError = delivery.lastError
        createdAt = delivery.createdAt
        nextAttemptAt = delivery.nextAttemptAt
        finishedAt = delivery.finishedAt
        body = delivery.body
    }
}

/// `POST …/webhooks` and `PATCH …/webhooks/{id}`.
struct WebhookEndpointRequest {
    let input: WebhookService.Input

    init(_ json: JSONValue) throws(ChamberError) {
        let body = try StrictObject(json, at: "")
        try body.allow(["url", "description", "events", "active"])
        var input = WebhookService.Input()
        input.url = try body.optionalString("url")
        if body.nulls(among: ["description"]).contains("description") {
            input.description = .some(nil)
        } else if let description = try body.optionalString("description") {
            input.description = .some(description)
        }
        input.events = try body.optionalStrings("events")
        input.active = try body.optionalBool("active")
        self.input = input
    }
}

/// `GET …/webhooks`: every endpoint of the chamber (at most ``WebhookService/maxEndpoints``).
struct WebhookEndpointsBody: Encodable {
    let items: [WebhookEndpointBody]
}
