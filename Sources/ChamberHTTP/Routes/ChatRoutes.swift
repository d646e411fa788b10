import ChamberDomain
import ChamberRealtime
import HTTPTypes
import Hummingbird

/// `/v1/chambers/{chamberId}/channels/*`: channels and messages over REST, through the same ``ChatService`` as the
/// socket (a message sent here reaches subscribers live). And `GET /v1/ws` without an upgrade, which answers what
/// an upgrade would lack (a refused upgrade itself is answered by ``ChamberHTTPChannel``).
struct ChatRoutes {
    let services: ChamberServices
    let chat: ChatService
    let hub: Hub
    let endpoint: WebSocketEndpoint

    func register(on router: Router<AppRequestContext>) {
        let chat = self.chat
        let hub = self.hub
        let endpoint = self.endpoint

        router.get("v1/ws") { request, context -> Response in
            // Reached by a GET that asked for no upgrade: say what is missing, or that it must upgrade.
            let credentials = WebSocketEndpoint.Credentials(path: request.uri.description, authorization: request.headers[.authorization])
            guard credentials.token != nil else {
                throw ChamberError(
                    .unauthenticated, "send the access token as 'Authorization: Bearer', ?access_token=, or in an auth frame after upgrading")
            }
            try await endpoint.check(credentials)
            throw ChamberError(.upgradeRequired, "this endpoint speaks WebSocket: send an HTTP/1.1 upgrade request")
        }

        let chamber = router.group("v1/chambers/{chamberId}/channels").add(middleware: ChamberAccessMiddleware(services: services))

        chamber.get { _, context in
            JSONResponse(.ok, ChannelListBody(items: try await chat.myChannels(try context.access()).map(WireChannelSummary.init)))
        }
        chamber.post { request, context in
            let body = try await APIJSON.decode(CreateChannelRequest.self, from: request, context: context)
            let members = try (body.members ?? []).map { raw throws(ChamberError) in try Validate.identifier(raw, as: UserID.self, field: "members") }
            let channel = try await chat.create(
                try context.access(), kind: body.kind, name: body.name, topic: body.topic, eventID: body.eventId, members: members)
            return JSONResponse(.created, WireChannel(channel))
        }
        chamber.post("direct") { request, context in
            let body = try await APIJSON.decode(OpenDirectRequest.self, from: request, context: context)
            let peer = try Validate.identifier(body.userId, as: UserID.self, field: "user_id")
            return JSONResponse(.ok, WireChannel(try await chat.openDirect(try context.access(), with: peer)))
        }
        chamber.get("{channelId}") { request, context in
            JSONResponse(.ok, WireChannel(try await chat.readableChannel(try context.access(), try request.id("channelId", context: context))))
        }
        chamber.post("{channelId}/archive") { request, context in
            JSONResponse(.ok, WireChannel(try await chat.archive(try context.access(), channelID: try request.id("channelId", context: context))))
        }
        chamber.post("{channelId}/join") { request, context in
            JSONResponse(.ok, WireChannel(try await chat.join(try context.access(), channelID: try request.id("channelId", context: context))))
        }
        chamber.post("{channelId}/leave") { request, context in
            try await chat.leave(try context.access(), channelID: try request.id("channelId", context: context))
            return Response(status: .noContent)
        }
        chamber.get("{channelId}/members") { request, context in
            let access = try context.access()
            let page = try await chat.members(access, channelID: try request.id("channelId", context: context), page: try request.page())
            return JSONResponse(
                .ok,
                PageBody(page) { member in
                    ChannelMemberBody(
                        userId: member.userID.rawValue, role: member.role.rawValue, joinedAt: member.joinedAt, lastReadSeq: member.lastReadSeq,
                        status: hub.status(of: member.userID, in: access.chamberID).rawValue)
                })
        }
        chamber.post("{channelId}/members") { request, context in
            let channelID: ChannelID = try request.id("channelId", context: context)
            let body = try await APIJSON.decode(AddMembersRequest.self, from: request, context: context)
            let users = try body.userIds.map { raw throws(ChamberError) in try Validate.identifier(raw, as: UserID.self, field: "user_ids") }
            return JSONResponse(.ok, WireChannel(try await chat.addMembers(try context.access(), channelID: channelID, userIDs: users)))
        }
        chamber.delete("{channelId}/members/{userId}") { request, context in
            try await chat.removeMember(
                try context.access(), channelID: try request.id("channelId", context: context), userID: try request.id("userId", context: context))
            return Response(status: .noContent)
        }
        chamber.get("{channelId}/messages") { request, context in
            let query = request.uri.queryParameters
            func number(_ name: String) throws(ChamberError) -> Int64? {
                guard let raw = query.get(name) else { return nil }
                guard let value = Int64(raw), value >= 0 else {
                    throw ChamberError(.validationFailed, "\(name) must be a sequence number", field: name)
                }
                return value
            }
            let limit = try number("limit").map(Int.init)
            let messages = try await chat.history(
                try context.access(), channelID: try request.id("channelId", context: context),
                before: try number("before"), after: try number("after"), limit: limit)
            return JSONResponse(.ok, MessagesBody(items: messages.map(WireMessage.init)))
        }
        chamber.post("{channelId}/messages") { request, context in
            let channelID: ChannelID = try request.id("channelId", context: context)
            let input = try await APIJSON.decode(MessageInput.self, from: request, context: context, using: MessageInput.decoder)
            switch try await chat.send(try context.access(), channelID: channelID, draft: try input.draft()) {
            case .published(let message, let duplicate, let rewrite):
                return JSONResponse(
                    duplicate ? .ok : .created,
                    SendResultBody(
                        status: "published", duplicate: duplicate, message: WireMessage(message), reason: nil,
                        changedBy: rewrite?.reportedRules))
            case .held(_, let reason):
                return JSONResponse(.accepted, SendResultBody(status: "held", duplicate: false, message: nil, reason: reason, changedBy: nil))
            }
        }
        chamber.post("{channelId}/read") { request, context in
            let channelID: ChannelID = try request.id("channelId", context: context)
            let body = try await APIJSON.decode(ReadRequest.self, from: request, context: context)
            let access = try context.access()
            let (seq, unread) = try await chat.markRead(access, channelID: channelID, seq: body.seq)
            hub.publishReceipt(chamber: access.chamberID, channel: channelID, user: access.userID, seq: seq, unread: unread)
            return JSONResponse(.ok, ReadResultBody(channelId: channelID.rawValue, seq: seq, unreadCount: unread))
        }
    }
}
