import Foundation
import NIOCore

/// Where and how mail is submitted: the relay (RFC 5321), how the connection is secured (RFC 3207 STARTTLS or
/// implicit TLS, RFC 8314), the credentials (RFC 4954), and what the messages say about their sender.
///
/// The initializer refuses what would leak mail or passwords: plaintext to anything but this machine, half a
/// pair of credentials, addresses that could inject SMTP commands or headers.
public struct SMTPConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// How the connection to the relay is secured.
    public enum Security: String, Sendable, Equatable, CaseIterable {
        /// Plaintext all the way: only for a relay on this machine (a local MTA, a test server).
        case none
        /// Plaintext greeting, then STARTTLS (RFC 3207) before anything else; refused if the relay does not offer it.
        case startTLS = "starttls"
        /// TLS from the first byte (RFC 8314 §3.3, "submissions" on port 465).
        case tls

        /// The port submission uses with this security when none is given.
        public var defaultPort: Int {
            switch self {
            case .none: 25
            case .startTLS: 587
            case .tls: 465
            }
        }
    }

    /// A user name and password for AUTH PLAIN or AUTH LOGIN.
    public struct Credentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        public let username: String
        public let password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }

        /// Never the password: configurations end up in logs.
        public var description: String { "Credentials(username: \(username), password: <redacted>)" }
        public var debugDescription: String { description }
    }

    /// A configuration the initializer refused, and why.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The relay's host name or IP address (without brackets).
    public let host: String
    public let port: Int
    public let security: Security
    public let credentials: Credentials?
    /// The envelope sender (MAIL FROM) and the `From:` address.
    public let fromAddress: String
    /// The display name of `From:`, if any.
    public let fromName: String?
    /// The name this client gives in EHLO/HELO.
    public let heloName: String
    /// How long the TCP connection may take.
    public let connectTimeout: TimeAmount
    /// How long each command may wait for its reply (the greeting included).
    public let commandTimeout: TimeAmount
    /// How long the message may take to send and be accepted, from the first byte after DATA to the reply to `.`.
    public let dataTimeout: TimeAmount
    /// A PEM file of the only certificate authorities to trust (a test's own); `nil` trusts the system's roots.
    public let trustRootsFile: String?

    /// - Parameters:
    ///   - host: The relay's host name or IP address.
    ///   - port: The relay's port; by default the one `security` uses (25, 587 or 465).
    ///   - security: `.none` is only accepted for a loopback host.
    ///   - username: With `password`, authenticates with AUTH PLAIN (or LOGIN when PLAIN is not offered).
    ///   - password: Given exactly when `username` is.
    ///   - fromAddress: The sender address, `local@domain`.
    ///   - fromName: The sender's display name.
    ///   - heloName: The client's name in EHLO; by default the domain of `fromAddress`.
    ///   - trustRootsFile: A PEM file of the certificate authorities to trust instead of the system's.
    public init(
        host: String, port: Int? = nil, security: Security = .startTLS, username: String? = nil, password: String? = nil,
        fromAddress: String, fromName: String? = nil, heloName: String? = nil, connectTimeout: TimeAmount = .seconds(10),
        commandTimeout: TimeAmount = .seconds(60), dataTimeout: TimeAmount = .seconds(120), trustRootsFile: String? = nil
    ) throws {
        var host = host
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) else {
            throw Invalid("smtp host is empty or has spaces in it")
        }
        let port = port ?? security.defaultPort
        guard (1...65_535).contains(port) else { throw Invalid("smtp port \(port) is not a TCP port") }
        // Without TLS the password and every reset token would cross the network readable by anyone on the path.
        if security == .none, !Self.isLoopback(host) {
            throw Invalid("smtp security none is only allowed to a loopback host (localhost, 127.0.0.0/8, ::1), not \(host)")
        }
        switch (username, password) {
        case (nil, nil): credentials = nil
        case (let username?, let password?):
            // AUTH PLAIN separates the fields with NUL bytes (RFC 4616 §2): one inside a field would shift them.
            guard !username.isEmpty, !username.contains("\0"), !password.contains("\0") else {
                throw Invalid("smtp username is empty, or the username or password has a NUL character")
            }
            credentials = Credentials(username: username, password: password)
        default: throw Invalid("smtp username and password go together: give both or neither")
        }
        guard SMTPAddress.isValid(fromAddress) else { throw Invalid("smtp from address \(fromAddress) is not local@domain") }
        if let fromName, fromName.contains(where: { $0.isNewline }) { throw Invalid("smtp from name has a line break in it") }
        let heloName = heloName ?? SMTPAddress.domain(of: fromAddress)
        guard !heloName.isEmpty, heloName.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw Invalid("smtp helo name \(heloName) is not a host name")
        }
        for (name, timeout) in [("connect", connectTimeout), ("command", commandTimeout), ("data", dataTimeout)] where timeout <= .zero {
            throw Invalid("smtp \(name) timeout must be positive")
        }
        self.host = host
        self.port = port
        self.security = security
        self.fromAddress = fromAddress
        self.fromName = fromName
        self.heloName = heloName
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.dataTimeout = dataTimeout
        self.trustRootsFile = trustRootsFile
    }

    /// What a log may show: never the password.
    public var description: String {
        "smtp://\(host):\(port) security=\(security.rawValue) user=\(credentials?.username ?? "-") from=\(fromAddress)"
    }

    /// Whether `host` names this machine: `localhost`, an address in 127.0.0.0/8, or `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" { return true }
        if let octets = ipv4Octets(host) { return octets[0] == 127 }
        return host == "::1" || host == "0:0:0:0:0:0:0:1"
    }

    /// Whether `host` is an IP literal rather than a name: TLS then sends no server name (SNI takes names only) and
    /// the certificate must name the address.
    static func isIPAddress(_ host: String) -> Bool {
        ipv4Octets(host) != nil || host.contains(":")
    }

    private static func ipv4Octets(_ host: String) -> [Int]? {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let octets = parts.compactMap { part -> Int? in
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(part) else { return nil }
            return value <= 255 ? value : nil
        }
        return octets.count == 4 ? octets : nil
    }
}

/// Checks on the addresses that go into envelopes and headers.
enum SMTPAddress {
    /// `local@domain`, with nothing that could end an SMTP command or a header early (RFC 5321 §4.1.2 is far wider;
    /// the addresses this server sends to have passed its own validation already).
    static func isValid(_ address: String) -> Bool {
        guard let at = address.lastIndex(of: "@") else { return false }
        let local = address[..<at]
        let domain = address[address.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty, address.utf8.count <= 254 else { return false }
        return !address.contains { character in
            character.isWhitespace || character.isNewline || character == "<" || character == ">" || character == "\""
                || character.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        }
    }

    static func domain(of address: String) -> String {
        guard let at = address.lastIndex(of: "@") else { return "" }
        return String(address[address.index(after: at)...])
    }
}
