import ChamberDomain
import Foundation
import HTTPTypes
import Hummingbird

/// `/v1/me/devices` and the notification settings of `/v1/chambers/{chamberId}`.
struct NotificationRoutes {
    let services: ChamberServices
    let preferences: NotificationPreferencesService
    let feed: NotificationFeedService

    func register(on router: Router<AppRequestContext>) {
        let devices = services.devices
        let preferences = preferences
        let feed = feed

        router.get("v1/me/devices") { _, context in
            let identity = try context.identity()
            return JSONResponse(.ok, ListBody(items: try await devices.list(identity).map { DeviceBody($0, current: identity.sessionID) }))
        }
        router.post("v1/me/devices") { request, context in
            let identity = try context.identity()
            let body = try DeviceRegistrationRequest(try await Self.json(request, context))
            let (device, created) = try await devices.register(identity, address: body.address, name: body.name)
            return JSONResponse(created ? .created : .ok, DeviceBody(device, current: identity.sessionID))
        }
        router.post("v1/me/devices/{deviceId}/test") { request, context in
            let (outcome, removed) = try await devices.test(try context.identity(), id: try request.id("deviceId", context: context))
            return JSONResponse(.ok, PushTestBody(outcome, removed: removed))
        }
        router.delete("v1/me/devices/{deviceId}") { request, context in
            try await devices.remove(try context.identity(), id: try request.id("deviceId", context: context))
            return Response(status: .noContent)
        }

        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))
        chamber.get("notifications") { request, context in
            let unread: Bool
            switch request.uri.queryParameters.get("unread") {
            case nil, "false": unread = false
            case "true": unread = true
            default: throw ChamberError(.validationFailed, "unread must be true or false", field: "unread")
            }
            let (pageRequest, after) = try request.page(keyedBy: FeedCursor.self)
            let (page, count) = try await feed.page(try context.access(), unreadOnly: unread, page: pageRequest, after: after)
            return JSONResponse(.ok, NotificationPageBody(page: page, unreadCount: count))
        }
        chamber.post("notifications/read") { request, context in
            let selection = try NotificationsReadRequest(try await Self.json(request, context)).selection
            return JSONResponse(.ok, NotificationsReadBody(unreadCount: try await feed.markRead(try context.access(), selection)))
        }
        let pushes = services.pushes
        chamber.get("push-stats") { _, context in
            JSONResponse(.ok, PushStatsBody(providers: try await pushes.counts(try context.access()).map(PushProviderStatsBody.init)))
        }
        chamber.get("push-dead-letters") { request, context in
            let page = try await pushes.deadLetters(try context.access(), page: try request.page())
            return JSONResponse(.ok, PageBody(page, PushDeadLetterBody.init))
        }
        chamber.get("notification-preferences") { _, context in
            JSONResponse(.ok, NotificationPreferencesBody(try await preferences.preferences(try context.access()), member: true))
        }
        chamber.patch("notification-preferences") { request, context in
            let body = try NotificationChoicesRequest(try await Self.json(request, context), nullable: true)
            return JSONResponse(.ok, NotificationPreferencesBody(try await preferences.update(try context.access(), body.input), member: true))
        }
        chamber.put("notification-preferences/mutes/{channelId}") { request, context in
            let channelID: ChannelID = try request.id("channelId", context: context)
            // A channel the caller cannot read answers 404 whatever the body holds, as every route naming a resource does.
            try await preferences.requireReadable(try context.access(), channelID)
            let body = try ChannelMuteRequest(try await Self.json(request, context))
            return JSONResponse(
                .ok,
                NotificationPreferencesBody(try await preferences.mute(try context.access(), channelID: channelID, until: body.until), member: true))
        }
        chamber.delete("notification-preferences/mutes/{channelId}") { request, context in
            let channelID: ChannelID = try request.id("channelId", context: context)
            return JSONResponse(
                .ok, NotificationPreferencesBody(try await preferences.unmute(try context.access(), channelID: channelID), member: true))
        }
        chamber.get("notification-defaults") { _, context in
            JSONResponse(.ok, NotificationPreferencesBody(try await preferences.defaults(try context.access()), member: false))
        }
        chamber.put("notification-defaults") { request, context in
            let body = try NotificationChoicesRequest(try await Self.json(request, context), nullable: false)
            return JSONResponse(.ok, NotificationPreferencesBody(try await preferences.setDefaults(try context.access(), body.input), member: false))
        }
    }

    /// The body as it was sent: keys are read as written (the API decoder's snake_case conversion would rename them).
    private static func json(_ request: Request, _ context: AppRequestContext) async throws -> JSONValue {
        try await APIJSON.decode(JSONValue.self, from: request, context: context, using: plainDecoder)
    }

    private static let plainDecoder = JSONDecoder()
}
