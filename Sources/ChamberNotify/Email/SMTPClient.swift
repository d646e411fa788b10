import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Why a message was not handed to the relay. ``code`` is stable (logs and metrics switch on it); the associated
/// text is the server's or the transport's own words.
public enum SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No TCP connection to the relay (refused, unreachable, the name did not resolve).
    case connectFailed(String)
    /// STARTTLS is configured and the relay does not offer it: the message is not sent in plaintext instead.
    case tlsUnavailable
    /// The TLS handshake failed: an untrusted certificate, one for another name, no protocol in common.
    case tlsFailed(String)
    /// Credentials are configured and the relay offers neither AUTH PLAIN nor AUTH LOGIN.
    case authUnavailable
    /// The relay refused the credentials (a 5xx reply to AUTH, RFC 4954 §6).
    case authFailed(code: Int, text: String)
    /// The relay refused a command: 4xx is transient (try again later), 5xx permanent (RFC 5321 §4.2.1).
    case rejected(code: Int, text: String)
    /// A step took longer than its timeout; the connection was closed.
    case timeout(step: String)
    /// The connection broke or was closed by the relay in the middle of a step.
    case connectionLost(step: String, reason: String)
    /// The relay's answer is not SMTP, or it sent what it must not.
    case protocolViolation(String)
    /// An address that cannot go into an envelope, or that this relay cannot take.
    case invalidAddress(String)

    /// A stable machine-readable code.
    public var code: String {
        switch self {
        case .connectFailed: "connect_failed"
        case .tlsUnavailable: "tls_unavailable"
        case .tlsFailed: "tls_failed"
        case .authUnavailable: "auth_unavailable"
        case .authFailed: "auth_failed"
        case .rejected(let code, _): code < 500 ? "rejected_transient" : "rejected_permanent"
        case .timeout: "timeout"
        case .connectionLost: "connection_lost"
        case .protocolViolation: "protocol_violation"
        case .invalidAddress: "invalid_address"
        }
    }

    /// Whether the same message may go through if sent again later, unchanged.
    public var isTransient: Bool {
        switch self {
        case .connectFailed, .timeout, .connectionLost: true
        case .rejected(let code, _): code < 500
        case .tlsUnavailable, .tlsFailed, .authUnavailable, .authFailed, .protocolViolation, .invalidAddress: false
        }
    }

    /// Whether sending it again cannot help until something changes (the address, the configuration, the relay).
    public var isPermanent: Bool { !isTransient }

    public var description: String {
        switch self {
        case .connectFailed(let reason): "smtp connect_failed: \(reason)"
        case .tlsUnavailable: "smtp tls_unavailable: the relay does not offer STARTTLS"
        case .tlsFailed(let reason): "smtp tls_failed: \(reason)"
        case .authUnavailable: "smtp auth_unavailable: the relay offers neither AUTH PLAIN nor AUTH LOGIN"
        case .authFailed(let code, let text): "smtp auth_failed: \(code) \(text)"
        case .rejected(let code, let text): "smtp \(self.code): \(code) \(text)"
        case .timeout(let step): "smtp timeout: \(step)"
        case .connectionLost(let step, let reason): "smtp connection_lost during \(step): \(reason)"
        case .protocolViolation(let reason): "smtp protocol_violation: \(reason)"
        case .invalidAddress(let reason): "smtp invalid_address: \(reason)"
        }
    }

    /// Whether the conversation is still in step after this error, so that QUIT can end it politely.
    var leavesConversationInStep: Bool {
        switch self {
        case .rejected, .authFailed, .authUnavailable, .tlsUnavailable, .invalidAddress: true
        case .connectFailed, .tlsFailed, .timeout, .connectionLost, .protocolViolation: false
        }
    }

    /// The error a transport failure during `step` is reported as.
    static func wrapping(_ error: any Error, step: String) -> SMTPError {
        if let error = error as? SMTPError { return error }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError { return .tlsFailed(String(describing: error)) }
        return .connectionLost(step: step, reason: String(describing: error))
    }
}

/// An SMTP client (RFC 5321) for message submission: one connection per message, secured by STARTTLS (RFC 3207)
/// or implicit TLS, authenticated with AUTH PLAIN or LOGIN (RFC 4954), every step under a timeout.
///
/// The conversation: greeting, EHLO (HELO if the relay does not know EHLO), STARTTLS and EHLO again, AUTH, MAIL
/// FROM, RCPT TO, DATA, the dot-stuffed message, `.`, QUIT. Replies are read whole, continuation lines included.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    private let group: any EventLoopGroup
    private let tlsContext: NIOSSLContext?

    /// Reads the trust roots file now, so that a wrong path fails at start-up rather than at the first message.
    public init(configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.configuration = configuration
        self.group = eventLoopGroup
        if configuration.security == .none {
            tlsContext = nil
        } else {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv12
            if let file = configuration.trustRootsFile { tls.trustRoots = .file(file) }
            tlsContext = try NIOSSLContext(configuration: tls)
        }
    }

    /// Hands one message to the relay for `recipients`; returns once the relay has accepted it (250 to `.`).
    ///
    /// - Parameters:
    ///   - message: The message (headers, blank line, body), as ``MIMEMessage/rendered`` gives it; it is
    ///     dot-stuffed here.
    ///   - sender: The envelope sender (MAIL FROM).
    ///   - recipients: The envelope recipients (RCPT TO); every one must be accepted, or nothing is sent.
    /// - Throws: ``SMTPError``.
    public func send(_ message: String, from sender: String, to recipients: [String]) async throws {
        guard SMTPAddress.isValid(sender) else { throw SMTPError.invalidAddress("sender \(sender) is not local@domain") }
        guard !recipients.isEmpty else { throw SMTPError.invalidAddress("no recipient") }
        for recipient in recipients where !SMTPAddress.isValid(recipient) {
            throw SMTPError.invalidAddress("recipient \(recipient) is not local@domain")
        }
        let payload = MIMEMessage.dotStuffed(message) + ".\r\n"
        let tlsFailure = TLSFailure()
        let connection = try await connect(tlsFailure: tlsFailure)
        let configuration = self.configuration
        let tlsContext = self.tlsContext
        try await connection.executeThenClose { inbound, outbound in
            var session = SMTPSession(
                channel: connection.channel, inbound: inbound.makeAsyncIterator(), outbound: outbound, configuration: configuration,
                tlsContext: tlsContext, tlsFailure: tlsFailure)
            try await session.deliver(payload, from: sender, to: recipients)
        }
    }

    private func connect(tlsFailure: TLSFailure) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        let implicitTLS = configuration.security == .tls ? tlsContext : nil
        let serverHostname = SMTPSession.serverHostname(configuration.host)
        do {
            return try await ClientBootstrap(group: group)
                .connectTimeout(configuration.connectTimeout)
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture { () throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> in
                        if let implicitTLS {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname))
                            try channel.pipeline.syncOperations.addHandler(TLSFailureWatcher(tlsFailure))
                        }
                        try channel.pipeline.syncOperations.addHandler(SMTPLineFramer())
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch let error as ChannelError {
            if case .connectTimeout = error { throw SMTPError.timeout(step: "connect") }
            throw SMTPError.connectFailed(String(describing: error))
        } catch let error as NIOSSLExtraError {
            throw SMTPError.tlsFailed(String(describing: error))
        } catch {
            throw SMTPError.connectFailed(String(describing: error))
        }
    }
}

/// One reply (RFC 5321 §4.2): its code and the text of each of its lines.
struct SMTPReply: Sendable, Equatable {
    let code: Int
    let lines: [String]

    var text: String { lines.joined(separator: " / ") }
}

/// Assembles a reply from its lines: `250-first`, `250-second`, `250 last` (or a bare `250`).
struct SMTPReplyParser {
    /// More than any real EHLO answer, few enough that a hostile server cannot make the client hoard lines.
    static let maximumLines = 256
    private var code: Int?
    private var lines: [String] = []

    /// The reply, once `line` was its last; `nil` while more lines are to come.
    mutating func consume(_ line: String) throws -> SMTPReply? {
        let bytes = Array(line.utf8)
        let digits = bytes.prefix(3)
        guard digits.count == 3, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let code = Int(String(decoding: digits, as: UTF8.self)), (200...599).contains(code)
        else { throw SMTPError.protocolViolation("not an SMTP reply: \(line.prefix(80))") }
        if let expected = self.code, expected != code {
            throw SMTPError.protocolViolation("a reply went on with code \(code) after \(expected)")
        }
        self.code = code
        let separator = bytes.count > 3 ? bytes[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw SMTPError.protocolViolation("not an SMTP reply: \(line.prefix(80))")
        }
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        if separator == UInt8(ascii: "-") {
            guard lines.count < Self.maximumLines else { throw SMTPError.protocolViolation("a reply of more than \(Self.maximumLines) lines") }
            return nil
        }
        return SMTPReply(code: code, lines: lines)
    }
}

/// Cuts the relay's bytes into lines at LF (a CR before it dropped) and counts them: STARTTLS checks that the
/// conversation has read every line there was, and that nothing is waiting, before the TLS handler goes in.
final class SMTPLineFramer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// RFC 5321 §4.5.3.1.5 allows 512 bytes a reply line; this leaves room for relays that exceed it.
    static let maximumLineLength = 8_192
    private var buffer = ByteBuffer()
    private(set) var linesFramed = 0
    var bufferedBytes: Int { buffer.readableBytes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = Self.unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - buffer.readableBytesView.startIndex
            guard var line = buffer.readSlice(length: length) else { break }
            buffer.moveReaderIndex(forwardBy: 1)
            if line.readableBytesView.last == UInt8(ascii: "\r") { line.moveWriterIndex(to: line.writerIndex - 1) }
            linesFramed += 1
            context.fireChannelRead(Self.wrapInboundOut(line))
        }
        if buffer.readableBytes > Self.maximumLineLength {
            context.fireErrorCaught(SMTPError.protocolViolation("a reply line longer than \(Self.maximumLineLength) bytes"))
            context.close(promise: nil)
            return
        }
        buffer.discardReadBytes()
    }
}

/// Set by a step's timer when it fires, so that the step reports a timeout rather than the closed connection the
/// timer caused.
private final class Expiry: Sendable {
    private let state = Atomic<Bool>(false)
    func fire() { state.store(true, ordering: .relaxed) }
    var fired: Bool { state.load(ordering: .relaxed) }
}

/// Why TLS failed, if it did. A failed handshake reaches the pipeline as an error event, and the connection then
/// closes: the step waiting for a reply sees only the close, and would report a lost connection (to be retried)
/// rather than a certificate nobody trusts (which retrying cannot mend).
final class TLSFailure: Sendable {
    private let reason = Mutex<String?>(nil)
    func record(_ error: any Error) { reason.withLock { $0 = $0 ?? String(describing: error) } }
    var recorded: String? { reason.withLock { $0 } }
}

/// Sits behind the TLS handler and records its errors in a ``TLSFailure``; passes everything on.
final class TLSFailureWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private let failure: TLSFailure

    init(_ failure: TLSFailure) { self.failure = failure }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError { failure.record(error) }
        context.fireErrorCaught(error)
    }
}

/// The conversation on one connection. It lives inside `executeThenClose`, on one task: not Sendable.
struct SMTPSession {
    let channel: any Channel
    var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let configuration: SMTPConfiguration
    let tlsContext: NIOSSLContext?
    let tlsFailure: TLSFailure
    /// Lines taken from `inbound`, to compare with what the framer cut (see ``startTLS()``).
    private var linesRead = 0
    /// EHLO keywords (upper-cased) and their parameters.
    private var extensions: [String: [String]] = [:]

    init(
        channel: any Channel, inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        configuration: SMTPConfiguration, tlsContext: NIOSSLContext?, tlsFailure: TLSFailure
    ) {
        self.tlsFailure = tlsFailure
        self.channel = channel
        self.inbound = inbound
        self.outbound = outbound
        self.configuration = configuration
        self.tlsContext = tlsContext
    }

    /// The name TLS sends (SNI) and checks the certificate against; `nil` for an IP address, which SNI cannot carry
    /// and which NIOSSL then checks against the certificate's IP addresses.
    static func serverHostname(_ host: String) -> String? {
        SMTPConfiguration.isIPAddress(host) ? nil : host
    }

    mutating func deliver(_ payload: String, from sender: String, to recipients: [String]) async throws {
        let greeting = try await exchange(sending: nil, step: "greeting", timeout: configuration.commandTimeout)
        do {
            // RFC 5321 §3.1: 554 instead of 220 means the relay will not talk to this client (and waits for QUIT).
            guard greeting.code == 220 else { throw SMTPError.rejected(code: greeting.code, text: greeting.text) }
            try await hello(afterTLS: false)
            if configuration.security == .startTLS {
                guard extensions["STARTTLS"] != nil else { throw SMTPError.tlsUnavailable }
                let reply = try await command("STARTTLS", step: "STARTTLS")
                guard reply.code == 220 else { throw SMTPError.rejected(code: reply.code, text: reply.text) }
                try await startTLS()
                try await hello(afterTLS: true)
            }
            if let credentials = configuration.credentials { try await authenticate(credentials) }
            try await transfer(payload, from: sender, to: recipients)
        } catch let error as SMTPError where error.leavesConversationInStep {
            await quit()
            throw error
        }
        // The relay has the message: whatever QUIT meets, the delivery stands.
        await quit()
    }

    // MARK: - Steps

    private mutating func hello(afterTLS: Bool) async throws {
        let reply = try await command("EHLO \(configuration.heloName)", step: "EHLO")
        if reply.code == 250 {
            extensions = Self.extensions(of: reply)
            return
        }
        // RFC 5321 §4.1.4: a relay that does not know EHLO answers 5xx and may know HELO; after STARTTLS the relay has
        // answered EHLO once already, so a refusal then is a refusal.
        guard !afterTLS, (500..<600).contains(reply.code) else { throw SMTPError.rejected(code: reply.code, text: reply.text) }
        let helo = try await command("HELO \(configuration.heloName)", step: "HELO")
        guard helo.code == 250 else { throw SMTPError.rejected(code: helo.code, text: helo.text) }
        extensions = [:]
    }

    static func extensions(of reply: SMTPReply) -> [String: [String]] {
        var extensions: [String: [String]] = [:]
        // The first line is the relay's name and greeting, not an extension.
        for line in reply.lines.dropFirst() {
            var words = line.split(separator: " ").map(String.init)
            guard !words.isEmpty else { continue }
            var keyword = words.removeFirst().uppercased()
            // Relays that served pre-RFC 2554 clients also write "AUTH=LOGIN PLAIN".
            if keyword.hasPrefix("AUTH=") {
                words.insert(String(keyword.dropFirst(5)), at: 0)
                keyword = "AUTH"
            }
            extensions[keyword, default: []] += words
        }
        return extensions
    }

    /// Puts the TLS handler in front of the framer, on the event loop, once sure that no byte of the relay's is
    /// buffered: what came in plaintext after the 220 could be an attacker's, and would be read as if it had come
    /// over TLS (the STARTTLS injection of CVE-2011-0411).
    private mutating func startTLS() async throws {
        guard let context = tlsContext else { throw SMTPError.tlsFailed("no TLS context") }
        let channel = self.channel
        let consumed = linesRead
        let serverHostname = Self.serverHostname(configuration.host)
        let tlsFailure = self.tlsFailure
        do {
            try await channel.eventLoop.submit {
                let framer = try channel.pipeline.syncOperations.handler(type: SMTPLineFramer.self)
                guard framer.linesFramed == consumed, framer.bufferedBytes == 0 else {
                    throw SMTPError.protocolViolation("the relay sent more after its 220 to STARTTLS")
                }
                let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                try channel.pipeline.syncOperations.addHandler(tls, position: .first)
                try channel.pipeline.syncOperations.addHandler(TLSFailureWatcher(tlsFailure), position: .after(tls))
            }.get()
        } catch {
            throw SMTPError.wrapping(error, step: "STARTTLS")
        }
        // RFC 3207 §4.2: what the relay said before TLS counts for nothing now.
        extensions = [:]
    }

    private mutating func authenticate(_ credentials: SMTPConfiguration.Credentials) async throws {
        let mechanisms = Set((extensions["AUTH"] ?? []).map { $0.uppercased() })
        if mechanisms.contains("PLAIN") {
            // RFC 4616 §2: authorization identity (empty: the same), NUL, user name, NUL, password.
            let response = Self.base64("\0\(credentials.username)\0\(credentials.password)")
            let reply = try await command("AUTH PLAIN \(response)", step: "AUTH PLAIN")
            try Self.checkAuthentication(reply)
        } else if mechanisms.contains("LOGIN") {
            // The relay asks for the user name, then the password (334 with base64 prompts); the answers are base64 too.
            var reply = try await command("AUTH LOGIN", step: "AUTH LOGIN")
            for answer in [credentials.username, credentials.password] {
                guard reply.code == 334 else {
                    try Self.checkAuthentication(reply)
                    throw SMTPError.protocolViolation("AUTH LOGIN ended with \(reply.code) before the password was sent")
                }
                reply = try await command(Self.base64(answer), step: "AUTH LOGIN")
            }
            try Self.checkAuthentication(reply)
        } else {
            throw SMTPError.authUnavailable
        }
    }

    /// 235 is success; 4xx is a temporary failure (RFC 4954 §6: 454), any other answer a refusal.
    private static func checkAuthentication(_ reply: SMTPReply) throws {
        switch reply.code {
        case 235: return
        case 400..<500: throw SMTPError.rejected(code: reply.code, text: reply.text)
        default: throw SMTPError.authFailed(code: reply.code, text: reply.text)
        }
    }

    private mutating func transfer(_ payload: String, from sender: String, to recipients: [String]) async throws {
        var parameters = ""
        if extensions["SIZE"] != nil { parameters += " SIZE=\(payload.utf8.count)" }
        let eightBitContent = payload.utf8.contains { $0 >= 0x80 }
        let internationalAddresses = !([sender] + recipients).allSatisfy { $0.allSatisfy(\.isASCII) }
        if eightBitContent, extensions["8BITMIME"] != nil { parameters += " BODY=8BITMIME" }
        if internationalAddresses || eightBitContent {
            if extensions["SMTPUTF8"] != nil {
                parameters += " SMTPUTF8"
            } else if internationalAddresses {
                // RFC 6531 §3.4: a non-ASCII address needs a relay that says SMTPUTF8.
                throw SMTPError.invalidAddress("the relay does not offer SMTPUTF8, which a non-ASCII address needs")
            }
        }
        let mail = try await command("MAIL FROM:<\(sender)>\(parameters)", step: "MAIL FROM")
        guard mail.code == 250 else { throw SMTPError.rejected(code: mail.code, text: mail.text) }
        for recipient in recipients {
            let rcpt = try await command("RCPT TO:<\(recipient)>", step: "RCPT TO")
            // 251: "user not local; will forward", an acceptance.
            guard rcpt.code == 250 || rcpt.code == 251 else { throw SMTPError.rejected(code: rcpt.code, text: rcpt.text) }
        }
        let data = try await command("DATA", step: "DATA")
        guard data.code == 354 else { throw SMTPError.rejected(code: data.code, text: data.text) }
        let accepted = try await exchange(sending: payload, step: "message", timeout: configuration.dataTimeout)
        guard accepted.code == 250 else { throw SMTPError.rejected(code: accepted.code, text: accepted.text) }
    }

    /// QUIT, without waiting long and without failing: the outcome is decided by then.
    private mutating func quit() async {
        _ = try? await exchange(sending: "QUIT\r\n", step: "QUIT", timeout: min(configuration.commandTimeout, .seconds(5)))
    }

    // MARK: - Lines

    private static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    private mutating func command(_ line: String, step: String) async throws -> SMTPReply {
        try await exchange(sending: line + "\r\n", step: step, timeout: configuration.commandTimeout)
    }

    /// Sends `text` (if any) and reads one reply, all within `timeout`: when it runs out, the connection is closed,
    /// which ends a blocked write or read, and the step reports ``SMTPError/timeout(step:)``.
    private mutating func exchange(sending text: String?, step: String, timeout: TimeAmount) async throws -> SMTPReply {
        let expiry = Expiry()
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            expiry.fire()
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            if let text { try await outbound.write(ByteBuffer(string: text)) }
            return try await readReply(step: step)
        } catch {
            if expiry.fired { throw SMTPError.timeout(step: step) }
            if let reason = tlsFailure.recorded { throw SMTPError.tlsFailed(reason) }
            throw SMTPError.wrapping(error, step: step)
        }
    }

    private mutating func readReply(step: String) async throws -> SMTPReply {
        var parser = SMTPReplyParser()
        while true {
            guard let line = try await inbound.next() else {
                throw SMTPError.connectionLost(step: step, reason: "the relay closed the connection")
            }
            linesRead += 1
            if let reply = try parser.consume(String(buffer: line)) { return reply }
        }
    }
}
