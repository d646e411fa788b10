import ChamberDomain
import ChamberRealtime
import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket

/// `GET /v1/ws`: the WebSocket upgrade into the hub (protocol v1, documented in `Protocol/websocket.md`).
///
/// The access token comes as `Authorization: Bearer`, as `?access_token=` (browsers cannot set headers), or in a
/// first `auth` frame within `authTimeoutSeconds`. The chamber comes as `?chamber_id=` or in the `auth` frame.
/// An upgrade with a bad token is refused with the REST error answer (401/404), never upgraded.
public struct WebSocketEndpoint: Sendable {
    public static let path = "/v1/ws"

    let hub: Hub
    let services: ChamberServices
    let chat: ChatService
    let moderation: ModerationService
    let logger: Logger

    public init(hub: Hub, services: ChamberServices, chat: ChatService, moderation: ModerationService, logger: Logger) {
        self.moderation = moderation
        self.hub = hub
        self.services = services
        self.chat = chat
        self.logger = logger
    }

    /// The server configuration of WebSocket framing: frame limit, UTF-8 validation, server pings.
    public var configuration: WebSocketServerConfiguration {
        WebSocketServerConfiguration(maxFrameSize: hub.configuration.maxFrameBytes,
                                     autoPing: .enabled(timePeriod: .seconds(hub.configuration.pingIntervalSeconds)),
                                     closeTimeout: .seconds(10), validateUTF8: true)
    }

    /// Where the token and chamber of an upgrade request are.
    struct Credentials {
        let token: String?
        let chamberID: String?

        init(path: String, authorization: String?) {
            let query = ConnectionQuery(path)
            if let authorization, authorization.lowercased().hasPrefix("bearer ") {
                token = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
            } else {
                token = query["access_token"]
            }
            chamberID = query["chamber_id"]
        }
    }

    /// Checks the credentials an upgrade request carries; throws the reason to refuse it.
    func check(_ credentials: Credentials) async throws {
        guard let token = credentials.token else { return }
        guard let chamber = credentials.chamberID else {
            throw ChamberError(.validationFailed, "name the chamber with ?chamber_id=", field: "chamber_id")
        }
        let identity = try await services.accounts.authenticate(accessToken: token)
        _ = try await services.chambers.access(identity, to: try Validate.identifier(chamber, as: ChamberID.self, field: "chamber_id"))
        guard !hub.isDraining else { throw ChamberError(.unavailable, "this node is shutting down; reconnect to another") }
    }

    /// Decides an HTTP/1 upgrade: only `/v1/ws` with acceptable credentials is upgraded.
    public func shouldUpgrade(_ head: HTTPRequest, _ channel: any NIOCore.Channel, _ logger: Logger) async throws -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard let path = head.path, path.split(separator: "?").first.map(String.init) == Self.path else { return .dontUpgrade }
        let credentials = Credentials(path: path, authorization: head.headerFields[.authorization])
        do {
            try await check(credentials)
        } catch {
            // The request goes on to the REST router, whose `GET /v1/ws` answers with the reason.
            return .dontUpgrade
        }
        let endpoint = self
        return .upgrade([:]) { inbound, outbound, context in
            try await endpoint.serve(credentials, channel: channel, inbound: inbound, outbound: outbound)
        }
    }

    /// Runs one socket: inbound frames go through the session in order on this task; the hub writes outbound
    /// frames straight to the channel; the deadlines are timers on the channel's event loop. No other task waits
    /// per connection, and the work of each frame runs in a child task: a task's stack memory outlives its deepest
    /// call, and idle sockets are what a big event has most.
    func serve(_ credentials: Credentials, channel: any NIOCore.Channel, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let sink = ChannelFrameSink(channel: channel)
        try await sink.install()
        let session = HubSession(hub: hub, accounts: services.accounts, chambers: services.chambers, chat: chat, moderation: moderation, chamberID: credentials.chamberID,
                                 sink: sink, logger: logger)
        let timers = SocketTimers(loop: channel.eventLoop)
        defer {
            timers.cancel()
            session.finish()
        }
        if let token = credentials.token {
            do {
                // A child task, as for every frame below: it gives back its stack when done.
                async let authenticated = session.authenticate(token: token, chamberID: credentials.chamberID)
                let connection = try await authenticated
                attach(connection, session: session, sink: sink, outbound: outbound, timers: timers)
            } catch let error as ChamberError {
                let code: CloseCode = error.code == .unavailable ? .goingAway : .authFailed
                try await outbound.write(.custom(Self.frame(WireCoding.encode(ErrorFrame(id: nil, error)))))
                try await outbound.close(Self.code(code), reason: code.reason)
                return
            }
        } else {
            timers.schedule(in: .seconds(Int64(hub.configuration.authTimeoutSeconds))) {
                guard !session.isAuthenticated else { return }
                Self.close(outbound, .authTimeout)
            }
        }
        // Every frame through the session, in order; ends when the peer closes or the close handshake completes.
        for try await message in inbound.messages(maxSize: hub.configuration.maxFrameBytes) {
            // Frames still queued when the socket has gone are dropped: nobody can receive their answers, and a
            // client resends what was not acknowledged (with the same client_message_id, so nothing doubles).
            // Working through them anyway kept a node busy, and its shutdown waiting, long after its clients left.
            guard channel.isActive else { break }
            let action: HubSession.Action
            switch message {
            case .text(let text):
                let wasAuthenticated = session.isAuthenticated
                // Handled in a child task: a task keeps the stack memory its deepest call needed until it ends, and
                // this one lasts as long as the socket, mostly idle. A task per frame costs microseconds; keeping
                // every socket's deepest stack cost about 16 KiB per connection.
                async let handled = session.handle(text: text)
                action = await handled
                if !wasAuthenticated, let connection = session.connection {
                    attach(connection, session: session, sink: sink, outbound: outbound, timers: timers)
                }
            case .binary:
                action = session.handleBinary()
            }
            switch action {
            case .none:
                continue
            case .reply(let buffer):
                try await outbound.write(.custom(Self.frame(buffer)))
            case .replyAndClose(let buffer, let code):
                try await outbound.write(.custom(Self.frame(buffer)))
                try? await outbound.close(Self.code(code), reason: code.reason)
            case .close(let code):
                if let connection = session.connection {
                    connection.close(code)
                } else {
                    try? await outbound.close(Self.code(code), reason: code.reason)
                }
            }
        }
        session.connection?.close(.normal)
    }

    /// The socket is authenticated: the hub's frames flow, its close reaches the peer, and the token's end is watched.
    private func attach(_ connection: ClientConnection, session: HubSession, sink: ChannelFrameSink, outbound: WebSocketOutboundWriter, timers: SocketTimers) {
        sink.attach(connection)
        // Frames go straight to the channel from the hub; once the connection is closing (and has written what it
        // queued), the close handshake goes through Hummingbird's writer. A slow consumer was dropped already.
        connection.whenClosed { code in
            if code != .slowConsumer { Self.close(outbound, code) }
        }
        watchExpiry(connection, session: session, timers: timers)
    }

    /// Closes the socket when the token's lifetime and grace run out; a `refresh` meanwhile moves the deadline.
    private func watchExpiry(_ connection: ClientConnection, session: HubSession, timers: SocketTimers) {
        guard let closesAt = session.closesAt else { return }
        let delay = TimeAmount.milliseconds(Int64(max(0, closesAt.timeIntervalSinceNow) * 1000) + 1)
        timers.schedule(in: delay) {
            if case .close(let code) = session.tick() {
                connection.close(code)
            } else {
                watchExpiry(connection, session: session, timers: timers)
            }
        }
    }

    /// Starts the close handshake from outside the reading task (a timer or the hub).
    private static func close(_ outbound: WebSocketOutboundWriter, _ code: CloseCode) {
        Task { try? await outbound.close(Self.code(code), reason: code.reason) }
    }

    static func frame(_ buffer: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, data: buffer)
    }

    static func code(_ code: CloseCode) -> WebSocketErrorCode {
        WebSocketErrorCode(codeNumber: Int(code.rawValue))
    }
}

/// The query of an upgrade path, percent-decoded.
struct ConnectionQuery {
    private var values: [String: String] = [:]

    init(_ path: String) {
        guard let query = path.split(separator: "?", maxSplits: 1).dropFirst().first else { return }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard let key = parts.first else { continue }
            let value = parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ") : ""
            values[String(key)] = value.removingPercentEncoding ?? value
        }
    }

    subscript(key: String) -> String? { values[key] }
}
