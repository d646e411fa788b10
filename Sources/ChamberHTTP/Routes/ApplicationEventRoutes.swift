import ChamberDomain
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// The applicant's live view of their application: `GET /v1/applications/{applicationId}/events`, a stream of
/// server-sent events (`text/event-stream`) carrying the application at once and again whenever it changes (a
/// decision, a request for information). Applicants are not members, so they have no chamber socket; a browser's
/// `EventSource` can open this with `?access_token=`.
///
/// Each stream reads its one application row every second, on whichever node serves it, so a decision made on any
/// node reaches the applicant within about a second without a broker. It ends after a final status, when the token
/// expires (the client reconnects with a fresh one, as `retry` tells it), after ten minutes, or when the node stops.
struct ApplicationEventRoutes {
    let services: ChamberServices
    let membership: MembershipServices

    /// Each stream reads the database every second: a few per applicant, a bounded number per node.
    static let maxStreamsPerUser = 4
    static let maxStreamsPerNode = 2_000
    let open = OpenStreams()

    static let pollInterval: Duration = .seconds(1)
    static let keepAliveEvery = 15
    static let maxLifetime: Duration = .seconds(600)

    func register(on router: Router<AppRequestContext>) {
        let (applications, accounts, open) = (membership.applications, services.accounts, open)
        router.get("v1/applications/{applicationId}/events") { request, context -> Response in
            let id: ApplicationID = try request.id("applicationId", context: context)
            let identity: Identity
            if context.authentication == nil, let token = request.uri.queryParameters.get("access_token") {
                identity = try await accounts.authenticate(accessToken: String(token))
            } else {
                identity = try context.identity()
            }
            let first = try await applications.get(identity, id: id)
            let expiresAt = identity.tokenExpiresAt
            guard open.enter(identity.user.id) else {
                throw ChamberError(.rateLimited, "too many open event streams; close one first", retryAfterSeconds: 10)
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-store"
            // Proxies (nginx) must pass each event on as it comes.
            headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    defer { open.leave(identity.user.id) }
                    try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
                    var sent = first
                    try await writer.write(try Self.event(first))
                    let deadline = ContinuousClock.now + Self.maxLifetime
                    var quietTicks = 0
                    while !sent.status.isFinal, ContinuousClock.now < deadline, !Task.isCancelled, !Task.isShuttingDownGracefully {
                        if let expiresAt, expiresAt < Date() { break }
                        try await Task.sleep(for: Self.pollInterval)
                        let current = try await applications.get(identity, id: id)
                        if current.revision != sent.revision {
                            try await writer.write(try Self.event(current))
                            sent = current
                            quietTicks = 0
                        } else {
                            quietTicks += 1
                            if quietTicks >= Self.keepAliveEvery {
                                try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                                quietTicks = 0
                            }
                        }
                    }
                    try await writer.finish(nil)
                })
        }
    }

    /// The streams open on this node, per user.
    final class OpenStreams: Sendable {
        private let counts = Mutex<(total: Int, perUser: [UserID: Int])>((0, [:]))

        /// Counts a stream in, unless the user or the node has as many as allowed.
        func enter(_ user: UserID) -> Bool {
            counts.withLock { counts in
                guard counts.total < maxStreamsPerNode, counts.perUser[user, default: 0] < maxStreamsPerUser else { return false }
                counts.total += 1
                counts.perUser[user, default: 0] += 1
                return true
            }
        }

        func leave(_ user: UserID) {
            counts.withLock { counts in
                counts.total -= 1
                counts.perUser[user, default: 1] -= 1
                if counts.perUser[user] == 0 { counts.perUser[user] = nil }
            }
        }
    }

    /// One `application` event: its revision as the event id, the applicant's view of it as the data.
    static func event(_ application: MembershipApplication) throws -> ByteBuffer {
        // JSON holds no raw line break, so the body is one `data:` line.
        var event = ByteBuffer(string: "id: \(application.revision)\nevent: application\ndata: ")
        event.writeBytes(try APIJSON.encode(ApplicationBody(application, forApplicant: true)))
        event.writeString("\n\n")
        return event
    }
}
