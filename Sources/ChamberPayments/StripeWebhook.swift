import ChamberDomain
import Crypto
import Foundation

/// Stripe's webhook signatures, as its documentation describes them ("Verify webhook signatures manually"): the
/// `Stripe-Signature` header carries `t=<unix seconds>` and one `v1=<hex>` per signing secret in force (more than one
/// while a secret is rolled), each an HMAC-SHA256 of `<t>.<the raw body>` keyed with the endpoint's secret
/// (`whsec_…`). A request is taken when one of its `v1` signatures matches one of our secrets (compared in constant
/// time) and its timestamp is within the tolerance of now, either way: an old request replayed is refused.
public struct StripeWebhook: PaymentWebhookVerifier {
    /// The endpoint's signing secrets: the current one, and the previous one while it is rolled.
    let secrets: [String]
    let tolerance: TimeInterval

    public init(secrets: [String], tolerance: TimeInterval = 300) {
        self.secrets = secrets.filter { !$0.isEmpty }
        self.tolerance = tolerance
    }

    /// The verified event, read from `payload`; `webhook_signature_invalid` (with why) when the header does not
    /// prove it came from the processor just now.
    public func verify(payload: [UInt8], signatureHeader: String?, now: Date) throws(ChamberError) -> PaymentEvent {
        guard let header = signatureHeader, !secrets.isEmpty else { throw Self.invalid("no Stripe-Signature header") }
        var timestamp: Int?
        var signatures: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "t": timestamp = Int(pair[1])
            case "v1": if let bytes = Self.hex(pair[1]) { signatures.append(bytes) }
            default: continue  // v0 (test mode's old scheme) and schemes to come are not ours to check
            }
        }
        guard let timestamp else { throw Self.invalid("no timestamp in Stripe-Signature") }
        guard !signatures.isEmpty else { throw Self.invalid("no v1 signature in Stripe-Signature") }
        let signedAt = Date(timeIntervalSince1970: TimeInterval(timestamp))
        guard abs(now.timeIntervalSince(signedAt)) <= tolerance else {
            throw Self.invalid("signed at \(timestamp), outside the \(Int(tolerance)) s tolerance (a replay, or clocks apart)")
        }
        let signed = Array("\(timestamp).".utf8) + payload
        let matches = secrets.contains { secret in
            let expected = Array(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8))))
            return signatures.contains { Self.equal($0, expected) }
        }
        guard matches else { throw Self.invalid("no signature matches a signing secret of this endpoint") }
        return try StripeEvent.read(payload)
    }

    /// The header a processor sends for `payload` at `timestamp` (for tests, and a local processor of ours).
    public static func header(payload: [UInt8], secret: String, timestamp: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + payload, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=\(mac.map { String(format: "%02x", $0) }.joined())"
    }

    private static func invalid(_ why: String) -> ChamberError { ChamberError(.webhookSignatureInvalid, why) }

    private static func hex(_ text: String) -> [UInt8]? {
        guard text.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    /// Equal bytes, in time that does not depend on where they differ.
    private static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
