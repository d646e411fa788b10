import Foundation

/// The hash an authenticator app keys its codes with (RFC 6238 §1.2 allows these three).
public enum OneTimePasswordAlgorithm: String, Sendable, CaseIterable {
    case sha1 = "SHA1", sha256 = "SHA256", sha512 = "SHA512"
}

/// Computes HMACs for the one-time password rules; an adapter supplies the cryptography.
public protocol MessageAuthenticator: Sendable {
    func hmac(_ algorithm: OneTimePasswordAlgorithm, key: [UInt8], message: [UInt8]) -> [UInt8]
}

/// Time-based one-time passwords (RFC 6238), over HOTP's dynamic truncation (RFC 4226 §5.3).
public struct TimeBasedOneTimePassword: Sendable {
    public let secret: [UInt8]
    public let algorithm: OneTimePasswordAlgorithm
    public let digits: Int
    /// Seconds per step (X in RFC 6238); steps count from the Unix epoch (T0 = 0).
    public let period: Int64

    public init(secret: [UInt8], algorithm: OneTimePasswordAlgorithm = .sha1, digits: Int = 6, period: Int64 = 30) {
        precondition((6...8).contains(digits) && period > 0)
        self.secret = secret
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
    }

    /// The step an instant falls in.
    public func step(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / Double(period)).rounded(.down))
    }

    /// The code of one step, zero-padded to `digits`.
    public func code(step: Int64, using authenticator: any MessageAuthenticator) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Array($0) }
        let mac = authenticator.hmac(algorithm, key: secret, message: message)
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary =
            (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// The step whose code `code` is, among the step of `date` and `window` steps either side (clocks drift, and a
    /// code typed at the end of its step arrives in the next), checking the nearest first; nil when none matches.
    /// Codes are compared in constant time.
    public func matchingStep(of code: String, at date: Date, window: Int64 = 1, using authenticator: any MessageAuthenticator) -> Int64? {
        let typed = code.filter { !$0.isWhitespace }
        guard typed.count == digits, typed.allSatisfy(\.isASCII), typed.allSatisfy(\.isNumber) else { return nil }
        let now = step(at: date)
        var offsets: [Int64] = [0]
        if window > 0 { for distance in 1...window { offsets += [-distance, distance] } }
        var found: Int64?
        for offset in offsets where found == nil {
            if ConstantTime.equal(self.code(step: now + offset, using: authenticator), typed) { found = now + offset }
        }
        return found
    }

    /// The `otpauth://` URI authenticator apps read from a QR code (Google Authenticator's key URI format).
    public func provisioningURI(issuer: String, account: String) -> String {
        let label = "\(Self.escaped(issuer)):\(Self.escaped(account))"
        return "otpauth://totp/\(label)?secret=\(Base32.encode(secret))&issuer=\(Self.escaped(issuer))"
            + "&algorithm=\(algorithm.rawValue)&digits=\(digits)&period=\(period)"
    }

    private static func escaped(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~@")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
