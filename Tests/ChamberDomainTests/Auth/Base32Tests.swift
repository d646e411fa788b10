import ChamberDomain
import Testing

@Suite("Base32 (RFC 4648 §10 test vectors)")
struct Base32Tests {
    static let vectors: [(String, String)] = [
        ("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI"),
    ]

    @Test("encodes without padding and decodes back", arguments: vectors)
    func roundTrip(_ vector: (String, String)) {
        #expect(Base32.encode(Array(vector.0.utf8)) == vector.1)
        #expect(Base32.decode(vector.1) == Array(vector.0.utf8))
    }

    @Test("reads lowercase, spaces, dashes and padding as authenticator apps write them; refuses other letters")
    func lenient() {
        #expect(Base32.decode("mzxw 6ytb-oi======") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW1") == nil, "1 is not in the alphabet")
        #expect(Base32.decode("MZX!") == nil)
    }
}
