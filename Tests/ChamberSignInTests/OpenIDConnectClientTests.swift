import Testing

@testable import ChamberSignIn

@Suite("OpenID Connect: the client's pure parts")
struct OpenIDConnectClientTests {
    @Test("the S256 challenge matches RFC 7636's example (Appendix B)")
    func pkce() {
        #expect(
            OpenIDConnectClient.codeChallenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test(
        "a token's kid is read from its header, and a token without one or no token at all has none",
        arguments: [
            // {"alg":"RS256","kid":"k1"} and {"alg":"RS256"}
            ("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.e30.c2ln", "k1"), ("eyJhbGciOiJSUzI1NiJ9.e30.c2ln", nil), ("not a token", nil), ("", nil),
        ] as [(String, String?)])
    func keyID(_ token: String, _ kid: String?) {
        #expect(OpenIDConnectClient.keyID(of: token) == kid)
    }

    @Test("forms are encoded as application/x-www-form-urlencoded, reserved characters escaped")
    func form() {
        #expect(
            OpenIDConnectClient.form([("redirect_uri", "https://a.example/r?x=1&y=2"), ("scope", "openid email")])
                == "redirect_uri=https%3A%2F%2Fa.example%2Fr%3Fx%3D1%26y%3D2&scope=openid%20email")
    }
}
