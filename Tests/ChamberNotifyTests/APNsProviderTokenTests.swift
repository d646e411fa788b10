import ChamberDomain
import ChamberNotify
import Crypto
import Foundation
import Testing

@Suite("APNs provider token: ES256, kept 50 minutes, renewed when refused")
struct APNsProviderTokenTests {
    @Test("signed by the .p8 key with kid and iss; reused within its lifetime, renewed after it and after invalidation")
    func lifetime() throws {
        let key = P256.Signing.PrivateKey()
        let tokens = try APNsProviderToken(pem: key.pemRepresentation, keyID: "ABC123DEFG", teamID: "DEF123GHIJ")
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let first = try tokens.token(at: start)
        let pieces = first.split(separator: ".").map(String.init)
        #expect(pieces.count == 3)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: try #require(Base64URL.decode(pieces[2])))
        #expect(key.publicKey.isValidSignature(signature, for: Data((pieces[0] + "." + pieces[1]).utf8)))
        #expect(String(decoding: try #require(Base64URL.decode(pieces[0])), as: UTF8.self) == #"{"alg":"ES256","kid":"ABC123DEFG"}"#)
        #expect(String(decoding: try #require(Base64URL.decode(pieces[1])), as: UTF8.self) == #"{"iss":"DEF123GHIJ","iat":1800000000}"#)

        #expect(try tokens.token(at: start.addingTimeInterval(49 * 60)) == first, "kept: APNs throttles renewals within 20 minutes")
        let renewed = try tokens.token(at: start.addingTimeInterval(50 * 60))
        #expect(renewed != first, "renewed before the hour APNs allows")
        tokens.invalidate(first)
        #expect(try tokens.token(at: start.addingTimeInterval(51 * 60)) == renewed, "invalidating an older token changes nothing")
        tokens.invalidate(renewed)
        #expect(try tokens.token(at: start.addingTimeInterval(52 * 60)) != renewed)
    }

    @Test("a file that is not a P-256 key is refused at start")
    func badKey() {
        #expect(throws: (any Error).self) {
            try APNsProviderToken(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", keyID: "K", teamID: "T")
        }
    }
}
