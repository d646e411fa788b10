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

@Suite("Sealed fields: AES-256-GCM with key rotation")
struct SealedFieldTests {
    static let oldKey = AESGCMSecretCipher.Key(id: "k2025", bytes: Array(repeating: 7, count: 32))
    static let newKey = AESGCMSecretCipher.Key(id: "k2026", bytes: Array(repeating: 9, count: 32))

    @Test("a sealed value opens with its context only, and never shows its plaintext")
    func roundTrip() throws {
        let cipher = AESGCMSecretCipher(keys: [Self.newKey])
        let secret = Array("the quick brown fox".utf8)
        let sealed = try cipher.seal(secret, context: "totp-secret:ada")
        #expect(sealed.hasPrefix("v1.k2026."))
        #expect(!sealed.contains("quick"))
        #expect(try cipher.seal(secret, context: "totp-secret:ada") != sealed, "a fresh nonce each time")
        #expect(try cipher.open(sealed, context: "totp-secret:ada") == secret)
        #expect(throws: ChamberError.self) { try cipher.open(sealed, context: "totp-secret:bob") }
        var tampered = Array(sealed)
        tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
        #expect(throws: ChamberError.self) { try cipher.open(String(tampered), context: "totp-secret:ada") }
    }

    @Test("after a rotation the new key seals and the old one still opens what it sealed; a removed key opens nothing")
    func rotation() throws {
        let before = try AESGCMSecretCipher(keys: [Self.oldKey]).seal([1, 2, 3], context: "c")
        let rotated = AESGCMSecretCipher(keys: [Self.newKey, Self.oldKey])
        #expect(try rotated.open(before, context: "c") == [1, 2, 3])
        #expect(try rotated.seal([1, 2, 3], context: "c").hasPrefix("v1.k2026."))
        #expect(throws: ChamberError.self) { try AESGCMSecretCipher(keys: [Self.newKey]).open(before, context: "c") }
        // The key id is authenticated: relabelling a value for another key does not open it.
        let relabelled = before.replacingOccurrences(of: "v1.k2025.", with: "v1.k2026.")
        #expect(throws: ChamberError.self) { try rotated.open(relabelled, context: "c") }
    }
}
