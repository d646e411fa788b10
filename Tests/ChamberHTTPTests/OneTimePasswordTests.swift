import ChamberDomain
import ChamberHTTP
import Foundation
import Testing

/// RFC 6238 Appendix B, with the HMACs of swift-crypto.
@Suite("TOTP: RFC 6238 test vectors")
struct OneTimePasswordTests {
    /// The seeds of Appendix B: "12345678901234567890" repeated to the hash's length.
    static func seed(_ length: Int) -> [UInt8] { Array(String(repeating: "1234567890", count: 7).utf8.prefix(length)) }

    static let vectors: [(time: TimeInterval, step: Int64, sha1: String, sha256: String, sha512: String)] = [
        (59, 0x1, "94287082", "46119246", "90693936"),
        (1_111_111_109, 0x23523EC, "07081804", "68084774", "25091201"),
        (1_111_111_111, 0x23523ED, "14050471", "67062674", "99943326"),
        (1_234_567_890, 0x273EF07, "89005924", "91819424", "93441116"),
        (2_000_000_000, 0x3F940AA, "69279037", "90698825", "38618901"),
        (20_000_000_000, 0x27BC86AA, "65353130", "77737706", "47863826"),
    ]

    @Test("eight-digit codes of each algorithm at each instant", arguments: vectors)
    func appendixB(_ vector: (time: TimeInterval, step: Int64, sha1: String, sha256: String, sha512: String)) {
        let authenticator = CryptoMessageAuthenticator()
        let date = Date(timeIntervalSince1970: vector.time)
        for (algorithm, seedLength, expected) in [
            (OneTimePasswordAlgorithm.sha1, 20, vector.sha1), (.sha256, 32, vector.sha256), (.sha512, 64, vector.sha512),
        ] {
            let totp = TimeBasedOneTimePassword(secret: Self.seed(seedLength), algorithm: algorithm, digits: 8)
            #expect(totp.step(at: date) == vector.step)
            #expect(totp.code(step: totp.step(at: date), using: authenticator) == expected, "\(algorithm) at \(vector.time)")
        }
    }

    @Test("a code matches its own step and one either side, nearest first; nothing else")
    func window() {
        let authenticator = CryptoMessageAuthenticator()
        let totp = TimeBasedOneTimePassword(secret: Self.seed(20))
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let step = totp.step(at: now)
        for offset: Int64 in [-1, 0, 1] {
            #expect(totp.matchingStep(of: totp.code(step: step + offset, using: authenticator), at: now, using: authenticator) == step + offset)
        }
        #expect(totp.matchingStep(of: totp.code(step: step + 2, using: authenticator), at: now, using: authenticator) == nil)
        #expect(totp.matchingStep(of: totp.code(step: step - 2, using: authenticator), at: now, using: authenticator) == nil)
        let spaced = totp.code(step: step, using: authenticator).enumerated().map { $0.offset == 3 ? " \($0.element)" : "\($0.element)" }.joined()
        #expect(totp.matchingStep(of: spaced, at: now, using: authenticator) == step, "a space in the middle, as apps show it")
        #expect(totp.matchingStep(of: "12345", at: now, using: authenticator) == nil)
        #expect(totp.matchingStep(of: "١٢٣٤٥٦", at: now, using: authenticator) == nil, "ASCII digits only")
    }

    @Test("the provisioning URI names issuer, account and parameters")
    func provisioningURI() {
        let totp = TimeBasedOneTimePassword(secret: Array("12345678901234567890".utf8))
        #expect(
            totp.provisioningURI(issuer: "ChamberConnect", account: "ada+chamber@example.com")
                == "otpauth://totp/ChamberConnect:ada%2Bchamber@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ChamberConnect&algorithm=SHA1&digits=6&period=30"
        )
    }
}
