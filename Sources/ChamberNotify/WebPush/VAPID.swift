import ChamberDomain
import Crypto
import Foundation

/// Voluntary Application Server Identification (RFC 8292): the server proves to a push service which application
/// server it is, with an ES256-signed JWT per push service origin.
public struct VAPID: Sendable {
    /// The server's signing key; its public half is the `applicationServerKey` browsers subscribe with.
    public let key: P256.Signing.PrivateKey
    /// How the push service's operator reaches us: `mailto:` or `https:` (RFC 8292 §2.1).
    public let subject: String

    public init(key: P256.Signing.PrivateKey, subject: String) {
        self.key = key
        self.subject = subject
    }

    /// The public key as browsers take it: base64url of the 65-byte uncompressed point.
    public var publicKey: String { Base64URL.encode(key.publicKey.x963Representation) }

    /// The `Authorization` header for a push to `endpoint`: `vapid t=<JWT>, k=<public key>`. The token names the
    /// endpoint's origin as audience and expires after `lifetime` (RFC 8292 allows at most 24 hours).
    public func authorization(for endpoint: URL, at instant: Date, lifetime: TimeInterval = 12 * 3600) throws -> String {
        guard let scheme = endpoint.scheme, let host = endpoint.host else { throw URLError(.badURL) }
        let audience = "\(scheme)://\(host)" + (endpoint.port.map { ":\($0)" } ?? "")
        let header = #"{"typ":"JWT","alg":"ES256"}"#
        let expiry = Int(instant.addingTimeInterval(min(lifetime, 24 * 3600)).timeIntervalSince1970)
        let claims = #"{"aud":"\#(Self.escaped(audience))","exp":\#(expiry),"sub":"\#(Self.escaped(subject))"}"#
        let signingInput = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(Data(claims.utf8))
        // JWS ES256 is the raw 64-byte r‖s, not DER.
        let signature = try key.signature(for: Data(signingInput.utf8)).rawRepresentation
        return "vapid t=\(signingInput).\(Base64URL.encode(signature)), k=\(publicKey)"
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
