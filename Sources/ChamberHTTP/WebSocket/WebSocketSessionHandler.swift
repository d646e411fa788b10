import ChamberDomain
import ChamberRealtime
import Foundation
import Logging
import NIOCore
import NIOWebSocket

/// An upgraded socket: a NIO channel handler on the socket's event loop, with no task at rest.
///
/// It reads frames from the socket's bytes itself (``WebSocketFrameParser``), assembles messages and keeps the rules of
/// RFC 6455 (``WebSocketMessageAssembler``), answers pings and runs the close handshake on the loop, and hands each
/// text message to the hub's ``HubSession`` through a ``SocketInbox``: one worker task handles them one at a time,
/// in order, and exists only while some wait (most need the database). Past `maxPendingMessages` waiting, the
/// handler stops reading from the socket until the worker catches up. Keepalive pings come from one timer per event
/// loop (``KeepaliveSweep``); the authentication deadline, and the token's once it is near, are timers on the loop.
///
/// In `echo` mode (the conformance endpoint) each message is sent back as it came, and there is no session.
final class WebSocketSessionHandler: ChannelDuplexHandler, KeepaliveSweep.Member {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Mode {
        case hub(HubSession)
        case echo
    }

    struct Configuration {
        /// The longest frame; a longer one closes the socket with 1009.
        var maxFrameBytes: Int
        var maxMessageBytes: Int
        var authTimeout: TimeAmount
        var pingInterval: TimeAmount
        /// How long a close handshake may take before the connection is dropped.
        var closeTimeout: TimeAmount = .seconds(10)
        var maxPendingMessages = 16
    }

    private enum Closing {
        case open
        /// A close frame went out; the connection ends when the peer answers or the timer fires.
        case closeSent(Scheduled<Void>)
        case closed
    }

    private let mode: Mode
    /// What the upgrade's check found (a token came with it): registered once, then not kept (an idle socket should
    /// cost as little as possible).
    private var verified: VerifiedUpgrade?
    private let sink: ChannelFrameSink
    private let configuration: Configuration
    private let logger: Logger
    private var parser: WebSocketFrameParser
    private var assembler: WebSocketMessageAssembler
    private let inbox: SocketInbox
    private var closing = Closing.open
    private var heardFromPeer = true
    private var awaitingPong = false
    private var deadline: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    private var keepalive: KeepaliveSweep?
    /// Set once the socket is gone and the session told (channelInactive and handlerRemoved both end it).
    private var finished = false
    /// Reads wait while the channel cannot take our writes (a peer that sends pings or echoes but does not read).
    private var readsWaitForWritability = false

    init(mode: Mode, verified: VerifiedUpgrade? = nil, sink: ChannelFrameSink, configuration: Configuration, logger: Logger) {
        self.mode = mode
        self.verified = verified
        self.sink = sink
        self.configuration = configuration
        self.logger = logger
        self.parser = WebSocketFrameParser(maxFrameSize: configuration.maxFrameBytes)
        self.assembler = WebSocketMessageAssembler(maxMessageBytes: configuration.maxMessageBytes)
        self.inbox = SocketInbox(limit: configuration.maxPendingMessages)
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let keepalive = KeepaliveSweep.on(context.eventLoop, interval: configuration.pingInterval)
        keepalive.add(self)
        self.keepalive = keepalive
        guard case .hub(let session) = mode else { return }
        if let verified {
            self.verified = nil
            // Checked before upgrading: registered here, on the loop, before any frame of the client is read.
            do {
                attach(try session.register(verified.identity, verified.access, in: verified.chamberID), session: session)
            } catch {
                perform(.replyAndClose(WireCoding.encode(ErrorFrame(id: nil, error)), .goingAway), session: session)
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
        if case .closeSent(let timer) = closing { timer.cancel() }
        closing = .closed
        inbox.close()
        if case .hub(let session) = mode { session.finish() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("socket error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    /// The server is shutting down and waits for its connections: the hub drained the sockets it knows; this closes
    /// the rest (not yet authenticated, echo) with 1001 too.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            sendClose(CloseCode.goingAway)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readsWaitForWritability {
            readsWaitForWritability = false
            read(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parser.append(unwrapInboundIn(data))
        do {
            while let frame = try parser.next() { receive(frame, context: context) }
        } catch {
            // A frame the parser refused (too long, a fragmented or long control frame): RFC 6455 §7.4.1's close.
            sendClose(ServerFrame.closeCode(for: error), reason: nil, thenDrop: true)
        }
    }

    private func receive(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        heardFromPeer = true
        awaitingPong = false
        switch assembler.receive(frame) {
        case .none:
            break
        case .text(let text):
            receive(text, opcode: .text)
        case .binary(let bytes):
            receive(bytes, opcode: .binary)
        case .pong(let payload):
            guard case .open = closing else { return }
            context.writeAndFlush(wrapOutboundOut(ServerFrame.encode(.pong, payload, allocator: context.channel.allocator)), promise: nil)
        case .peerClosed(let code):
            peerClosed(code)
        case .fail(let code):
            sendClose(code, reason: nil, thenDrop: true)
        }
    }

    private func receive(_ data: ByteBuffer, opcode: WebSocketOpcode) {
        guard case .open = closing, let context else { return }
        switch mode {
        case .echo:
            // Echoes may be large: the header and the payload go as two writes rather than one copy.
            var header = context.channel.allocator.buffer(capacity: 10)
            ServerFrame.header(opcode, length: data.readableBytes, into: &header)
            context.write(wrapOutboundOut(header), promise: nil)
            context.writeAndFlush(wrapOutboundOut(data), promise: nil)
        case .hub:
            deliver(opcode == .text ? .text(data) : .binary)
        }
    }

    /// Reads again after they were held, if neither reason to hold them remains.
    private func readAgain() {
        if let context { read(context: context) }
    }

    /// Holds reads while too many messages wait, or while the channel cannot take our writes: TCP then pushes back
    /// on the client.
    func read(context: ChannelHandlerContext) {
        guard context.channel.isWritable else {
            readsWaitForWritability = true
            return
        }
        if inbox.mayRead() { context.read() }
    }

    /// Queues a message for the session, starting the worker when none runs.
    private func deliver(_ message: SocketInbox.Message) {
        guard case .hub(let session) = mode, let context, inbox.push(message) else { return }
        Self.work(inbox, session: session, handler: NIOLoopBound(self, eventLoop: context.eventLoop))
    }

    /// The worker: handles waiting messages in order until none is left, going back to the event loop only for what
    /// must happen there (a reply before authentication, a close, attaching the authenticated connection).
    private static func work(_ inbox: SocketInbox, session: HubSession, handler: NIOLoopBound<WebSocketSessionHandler>) {
        Task {
            while true {
                guard let message = inbox.next(ending: false) else {
                    // Nothing waits: the sends checked so far are answered (stored together), then the worker ends.
                    if session.hasUnsettledSends {
                        await session.settleSends()
                        continue
                    }
                    if inbox.endIfIdle() { break }
                    continue
                }
                switch message {
                case .text(let text):
                    let wasAuthenticated = session.isAuthenticated
                    let action = await session.handle(text: text.readableBytesView)
                    let attached = wasAuthenticated ? nil : session.connection
                    // Nothing the client sent after a close is acted on.
                    if action.closes { inbox.close() }
                    if attached != nil || !action.isNone {
                        handler.eventLoop.execute {
                            if let attached { handler.value.attach(attached, session: session) }
                            handler.value.perform(action, session: session)
                        }
                    }
                case .binary:
                    let action = await session.handleBinary()
                    handler.eventLoop.execute { handler.value.perform(action, session: session) }
                }
                if inbox.resume() {
                    handler.eventLoop.execute { handler.value.readAgain() }
                }
            }
        }
    }

    // MARK: The session's outcomes

    /// The socket is authenticated: the hub writes its frames through the sink, its close reaches the peer, and the
    /// token's end is watched.
    private func attach(_ connection: ClientConnection, session: HubSession) {
        guard let context else { return }
        deadline?.cancel()
        deadline = nil
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
    ///
    /// A socket whose end is further off than the next keepalive sweep has no timer (a timer is some 150 bytes per
    /// socket, for minutes): the sweep calls this again, and the timer is set once the end is near.
    private func watchExpiry(_ connection: ClientConnection, session: HubSession) {
        guard deadline == nil, let context, let closesAt = session.closesAt else { return }
        let delay = TimeAmount.milliseconds(Int64(max(0, closesAt.timeIntervalSinceNow) * 1000) + 1)
        guard delay <= configuration.pingInterval * 2 else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            deadline = nil
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
        context.writeAndFlush(wrapOutboundOut(ServerFrame.encode(.text, buffer, allocator: context.channel.allocator)), promise: nil)
    }

    // MARK: Closing

    private func sendClose(_ code: CloseCode) {
        sendClose(WebSocketErrorCode(codeNumber: Int(code.rawValue)), reason: code.reason, thenDrop: false)
    }

    /// Starts the close handshake with `code`; with `thenDrop` (a protocol violation) the connection ends once the
    /// close frame is written, without waiting for the peer's.
    private func sendClose(_ code: WebSocketErrorCode, reason: String?, thenDrop: Bool) {
        guard case .open = closing, let context else { return }
        sink.seal()
        var payload = context.channel.allocator.buffer(capacity: 2 + (reason?.utf8.count ?? 0))
        payload.write(webSocketErrorCode: code)
        if let reason { payload.writeString(reason) }
        let written = context.writeAndFlush(wrapOutboundOut(ServerFrame.encode(.connectionClose, payload, allocator: context.channel.allocator)))
        // Armed either way: a peer that stopped reading may never let the close frame be written.
        closing = .closeSent(context.eventLoop.assumeIsolated().scheduleTask(in: configuration.closeTimeout) { context.close(promise: nil) })
        if thenDrop {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
        // Reads may have been held for the worker: the peer's close frame must get through.
        inbox.close()
        read(context: context)
    }

    /// The peer's close frame: the answer to ours ends the connection; otherwise we answer with its code, then end it.
    private func peerClosed(_ code: WebSocketErrorCode) {
        guard let context else { return }
        switch closing {
        case .open:
            // Answered with its code; the connection ends once the answer is written.
            sendClose(code, reason: nil, thenDrop: true)
        case .closeSent(let timer):
            timer.cancel()
            closing = .closed
            context.close(promise: nil)
        case .closed:
            break
        }
    }

    // MARK: Keepalive

    /// A ping frame with no payload (the same bytes for every socket).
    private static let ping = ServerFrame.encode(.ping, ByteBuffer(), allocator: ByteBufferAllocator())

    func keepaliveSweep() {
        guard case .open = closing, let context else { return }
        if case .hub(let session) = mode, let connection = session.connection { watchExpiry(connection, session: session) }
        if heardFromPeer || inbox.isHoldingReads {
            // Reads held while the worker catches up: the peer is talking, we are not listening.
            heardFromPeer = false
        } else if awaitingPong {
            // Nothing for two sweeps, not even the pong: the peer is gone.
            context.close(promise: nil)
        } else {
            awaitingPong = true
            context.writeAndFlush(wrapOutboundOut(Self.ping), promise: nil)
        }
    }
}
