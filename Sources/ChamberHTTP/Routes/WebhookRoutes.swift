import ChamberDomain
import Foundation
import Hummingbird

/// A chamber's own webhooks (`/v1/chambers/{chamberId}/webhooks…`): admins add endpoints, choose their events, read
/// each delivery and send one again; the deliveries go out from every node's worker, signed and retried.
struct WebhookRoutes {
    let services: ChamberServices

    func register(on router: Router<AppRequestContext>) {
        let webhooks = services.webhooks
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))

        chamber.post("webhooks") { request, context in
            let json = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            let endpoint = try await webhooks.create(try context.access(), try WebhookEndpointRequest(json).input)
            return JSONResponse(.created, WebhookEndpointBody(endpoint))
        }
        chamber.get("webhooks") { _, context in
            JSONResponse(.ok, WebhookEndpointsBody(items: try await webhooks.list(try context.access()).map(WebhookEndpointBody.init)))
        }
        chamber.get("webhooks/{webhookId}") { request, context in
            JSONResponse(.ok, WebhookEndpointBody(try await webhooks.get(try context.access(), id: try request.id("webhookId", context: context))))
        }
        chamber.patch("webhooks/{webhookId}") { request, context in
            let (access, id): (ChamberAccess, WebhookEndpointID) = (try context.access(), try request.id("webhookId", context: context))
            // Another chamber's endpoint is not found, whatever the body says.
            _ = try await webhooks.get(access, id: id)
            let json = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            let endpoint = try await webhooks.update(access, id: id, try WebhookEndpointRequest(json).input)
            return JSONResponse(.ok, WebhookEndpointBody(endpoint))
        }
        chamber.delete("webhooks/{webhookId}") { request, context in
            try await webhooks.delete(try context.access(), id: try request.id("webhookId", context: context))
            return Response(status: .noContent)
        }
        chamber.post("webhooks/{webhookId}/ping") { request, context in
            let event = try await webhooks.ping(try context.access(), id: try request.id("webhookId", context: context))
            return JSONResponse(.accepted, ["event_id": event])
        }
        chamber.get("webhooks/{webhookId}/deliveries") { request, context in
            let status = try request.uri.queryParameters.get("status").map { raw throws(ChamberError) in
                guard let status = WebhookDeliveryStatus(rawValue: raw) else {
                    throw ChamberError(.validationFailed, "status must be pending, delivered or failed", field: "status")
                }
                return status
            }
            let page = try await webhooks.deliveries(
                try context.access(), of: try request.id("webhookId", context: context), status: status, page: try request.page())
            return JSONResponse(.ok, PageBody(page) { WebhookDeliveryBody($0) })
        }
        chamber.post("webhooks/{webhookId}/deliveries/{deliveryId}/redeliver") { request, context in
            guard let delivery = context.parameters.get("deliveryId"), !delivery.isEmpty, delivery.utf8.count <= 300 else {
                throw ChamberError(.webhookDeliveryNotFound, "no such delivery")
            }
            let queued = try await webhooks.redeliver(
                try context.access(), of: try request.id("webhookId", context: context), delivery: delivery)
            return JSONResponse(.accepted, WebhookDeliveryBody(queued))
        }
    }
}
