import ChamberDomain
import ChamberRealtime
import Foundation
import Logging
import NIOCore
import NIOWebSocket

/// An upgraded socket: a NIO channel handler on the socket's event loop, with no task at rest.
///
/// Frames are decoded by NIO's WebSocket decoder below it; this handler assembles messages and keeps the rules of
/// RFC 6455 (``WebSocketMessageAssembler``), answers pings, runs the close handshake, and hands each text message
/// to the hub's ``HubSession`` one at a time, in order. A task exists only while the session works on a message
/// (most need the database); meanwhile later messages wait here, and past `maxPendingMessages` the handler stops
/// reading from the socket until it catches up. Keepalive pings come from one timer per event loop
/// (``KeepaliveSweep``); the deadlines of authentication and of the token are timers on the loop.
///
/// In `echo` mode (the conformance endpoint) each message is sent back as it came, and there is no session.
final class WebSocketSessionHandler: ChannelDuplexHandler, KeepaliveSweep.Member {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    enum Mode {
        /// A hub socket; `token` is the access token that came with the upgrade, if any.
        case hub(HubSession, token: String?, chamberID: String?)
        case echo
    }

    struct Configuration {
        var maxMessageBytes: Int
        var authTimeout: TimeAmount
        var pingInterval: TimeAmount
        /// How long a close handshake may take before the connection is dropped.
        var closeTimeout: TimeAmount = .seconds(10)
        var maxPendingMessages = 16
    }

    private enum Message {
        case text(ByteBuffer)
        case binary(ByteBuffer)
    }

    private enum Closing {
        case open
        /// A close frame went out; the connection ends when the peer answers or the timer fires.
        case closeSent(Scheduled<Void>?)
        case closed
    }

    private let mode: Mode
    private let sink: ChannelFrameSink
    private let configuration: Configuration
    private let logger: Logger
    private var assembler: WebSocketMessageAssembler
    private var pending = CircularBuffer<Message>(initialCapacity: 1)
    private var busy = false
    private var readHeld = false
    private var closing = Closing.open
    private var heardFromPeer = true
    private var awaitingPong = false
    private var deadline: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    private var keepalive: KeepaliveSweep?
    /// Set once the socket is gone and the session told (channelInactive and handlerRemoved both end it).
    private var finished = false

    init(mode: Mode, sink: ChannelFrameSink, configuration: Configuration, logger: Logger) {
        self.mode = mode
        self.sink = sink
        self.configuration = configuration
        self.logger = logger
        self.assembler = WebSocketMessageAssembler(maxMessageBytes: configuration.maxMessageBytes)
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let keepalive = KeepaliveSweep.on(context.eventLoop, interval: configuration.pingInterval)
        keepalive.add(self)
        self.keepalive = keepalive
        guard case .hub(let session, let token, let chamberID) = mode else { return }
        if let token {
            // Checked before upgrading; registering with the hub reads the database again, so it runs in a task.
            busy = true
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            Task {
                let outcome: Result<ClientConnection, ChamberError>
                do {
                    outcome = .success(try await session.authenticate(token: token, chamberID: chamberID))
                } catch let error as ChamberError {
                    outcome = .failure(error)
                } catch {
                    outcome = .failure(ChamberError(.internalError, "the server failed to authenticate this socket"))
                }
                handler.eventLoop.execute {
                    handler.value.authenticated(outcome)
                }
            }
        } else {
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: configuration.authTimeout) { [self] in
                guard !session.isAuthenticated else { return }
                sendClose(CloseCode.authTimeout)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
        self.context = nil
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        keepalive?.remove(self)
        keepalive = nil
        deadline?.cancel()
        deadline = nil
        if case .closeSent(let timer) = closing { timer?.cancel() }
        closing = .closed
        pending.removeAll()
        if case .hub(let session, _, _) = mode { session.finish() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("socket error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        heardFromPeer = true
        awaitingPong = false
        switch assembler.receive(frame) {
        case .none:
            break
        case .text(let text):
            receive(.text(text))
        case .binary(let bytes):
            receive(.binary(bytes))
        case .pong(let payload):
            guard case .open = closing else { return }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: payload)), promise: nil)
        case .peerClosed(let code):
            peerClosed(code)
        case .fail(let code):
            sendClose(code, reason: nil, thenDrop: true)
        }
    }

    private func receive(_ message: Message) {
        guard case .open = closing else { return }
        pending.append(message)
        next()
    }

    /// Holds reads while too many messages wait: TCP then pushes back on the client.
    func read(context: ChannelHandlerContext) {
        if pending.count >= configuration.maxPendingMessages {
            readHeld = true
        } else {
            context.read()
        }
    }

    /// Works through waiting messages, one at a time.
    private func next() {
        while !busy, case .open = closing, let message = pending.popFirst() {
            switch mode {
            case .echo:
                echo(message)
            case .hub(let session, _, _):
                switch message {
                case .binary:
                    perform(session.handleBinary(), session: session)
                case .text(let text):
                    handle(text, session: session)
                }
            }
        }
        if readHeld, pending.count < configuration.maxPendingMessages, let context {
            readHeld = false
            context.read()
        }
    }

    private func handle(_ text: ByteBuffer, session: HubSession) {
        guard let context else { return }
        busy = true
        let wasAuthenticated = session.isAuthenticated
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let string = String(buffer: text)
        Task {
            let action = await session.handle(text: string)
            handler.eventLoop.execute {
                let handler = handler.value
                if !wasAuthenticated, let connection = session.connection { handler.attach(connection, session: session) }
                handler.perform(action, session: session)
                handler.busy = false
                handler.next()
            }
        }
    }

    private func echo(_ message: Message) {
        guard let context else { return }
        let frame = switch message {
        case .text(let data): WebSocketFrame(fin: true, opcode: .text, data: data)
        case .binary(let data): WebSocketFrame(fin: true, opcode: .binary, data: data)
        }
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    // MARK: The session's outcomes

    private func authenticated(_ outcome: Result<ClientConnection, ChamberError>) {
        busy = false
        guard case .hub(let session, _, _) = mode else { return }
        switch outcome {
        case .success(let connection):
            attach(connection, session: session)
        case .failure(let error):
            let code: CloseCode = error.code == .unavailable ? .goingAway : error.code == .userBanned ? .banned : .authFailed
            perform(.replyAndClose(WireCoding.encode(ErrorFrame(id: nil, error)), code), session: session)
        }
        next()
    }

    /// The socket is authenticated: the hub writes its frames through the sink, its close reaches the peer, and the
    /// token's end is watched.
    private func attach(_ connection: ClientConnection, session: HubSession) {
        guard let context else { return }
        deadline?.cancel()
        sink.attach(connection)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        connection.whenClosed { code in
            // A slow consumer was dropped without a handshake already.
            guard code != .slowConsumer else { return }
            handler.eventLoop.execute { handler.value.sendClose(code) }
        }
        watchExpiry(connection, session: session)
    }

    /// Closes the socket when the token's lifetime and grace run out; a `refresh` meanwhile moves the deadline.
    private func watchExpiry(_ connection: ClientConnection, session: HubSession) {
        guard let context, let closesAt = session.closesAt else { return }
        let delay = TimeAmount.milliseconds(Int64(max(0, closesAt.timeIntervalSinceNow) * 1000) + 1)
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            if case .close(let code) = session.tick() {
                connection.close(code)
            } else {
                watchExpiry(connection, session: session)
            }
        }
    }

    private func perform(_ action: HubSession.Action, session: HubSession) {
        switch action {
        case .none:
            break
        case .reply(let buffer):
            writeText(buffer)
        case .replyAndClose(let buffer, let code):
            writeText(buffer)
            sendClose(code)
        case .close(let code):
            if let connection = session.connection {
                connection.close(code)
            } else {
                sendClose(code)
            }
        }
    }

    /// A reply before authentication (afterwards every frame goes through the connection's outbox).
    private func writeText(_ buffer: ByteBuffer) {
        guard case .open = closing, let context else { return }
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
    }

    // MARK: Closing

    private func sendClose(_ code: CloseCode) {
        sendClose(WebSocketErrorCode(codeNumber: Int(code.rawValue)), reason: code.reason, thenDrop: false)
    }

    /// Starts the close handshake with `code`; with `thenDrop` (a protocol violation) the connection ends once the
    /// close frame is written, without waiting for the peer's.
    private func sendClose(_ code: WebSocketErrorCode, reason: String?, thenDrop: Bool) {
        guard case .open = closing, let context else { return }
        var payload = context.channel.allocator.buffer(capacity: 2 + (reason?.utf8.count ?? 0))
        payload.write(webSocketErrorCode: code)
        if let reason { payload.writeString(reason) }
        let written = context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)))
        if thenDrop {
            closing = .closeSent(nil)
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            closing = .closeSent(context.eventLoop.assumeIsolated().scheduleTask(in: configuration.closeTimeout) { context.close(promise: nil) })
        }
        pending.removeAll()
    }

    /// The peer's close frame: the answer to ours ends the connection; otherwise we answer with its code, then end it.
    private func peerClosed(_ code: WebSocketErrorCode) {
        guard let context else { return }
        switch closing {
        case .open:
            var payload = context.channel.allocator.buffer(capacity: 2)
            payload.write(webSocketErrorCode: code)
            closing = .closeSent(nil)
            pending.removeAll()
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .closeSent(let timer):
            timer?.cancel()
            closing = .closed
            context.close(promise: nil)
        case .closed:
            break
        }
    }

    // MARK: Keepalive

    func keepaliveSweep() {
        guard case .open = closing, let context else { return }
        if heardFromPeer {
            heardFromPeer = false
        } else if awaitingPong {
            // Nothing for two sweeps, not even the pong: the peer is gone.
            context.close(promise: nil)
        } else {
            awaitingPong = true
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())), promise: nil)
        }
    }
}
