import Foundation

/// The code on a registration's ticket, ready to print as a QR code: a random token and the server's signature over
/// the chamber, event and token, so a mistyped or made-up code is refused before any look-up and a code from one
/// event opens no other.
public struct CheckInCode: Sendable, Equatable {
    public let token: String

    /// Characters of a token: lowercase letters and digits without look-alikes (no 0/o, 1/l/i).
    static let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
    static let tokenLength = 12
    static let signatureLength = 10

    /// A new random token (about 59 bits).
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<tokenLength).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
    }

    /// The printed code: `token-signature`.
    public static func code(token: String, event: EventID, chamber: ChamberID, signer: any TextSigner) -> String {
        "\(token)-\(signature(token: token, event: event, chamber: chamber, signer: signer))"
    }

    /// The token of a code the server signed for this event; nil for anything else.
    public static func token(of code: String, event: EventID, chamber: ChamberID, signer: any TextSigner) -> String? {
        let trimmed = code.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == tokenLength, parts[1].count == signatureLength,
            parts[0].allSatisfy({ alphabet.contains($0) })
        else { return nil }
        let token = String(parts[0])
        guard ConstantTime.equal(signature(token: token, event: event, chamber: chamber, signer: signer), String(parts[1])) else { return nil }
        return token
    }

    private static func signature(token: String, event: EventID, chamber: ChamberID, signer: any TextSigner) -> String {
        String(signer.signature(of: "check-in:\(chamber.rawValue):\(event.rawValue):\(token)").prefix(signatureLength))
    }
}
