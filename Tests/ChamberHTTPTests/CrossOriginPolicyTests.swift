import Testing

@testable import ChamberHTTP

/// Which origins a policy lets read the API's answers, as browsers name them in `Origin`.
@Suite("Cross-origin policy")
struct CrossOriginPolicyTests {
    static let policy = try! CrossOriginPolicy(parsing: ["https://members.example.org", "http://127.0.0.1:3000"])

    @Test(
        "the answer's Access-Control-Allow-Origin for an Origin",
        arguments: [
            ("https://members.example.org", "https://members.example.org"),
            ("https://MEMBERS.example.org", "https://MEMBERS.example.org"),
            ("https://members.example.org:443", "https://members.example.org:443"),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("http://members.example.org", nil),
            ("https://members.example.org:8443", nil),
            ("http://127.0.0.1:3001", nil),
            ("https://members.example.org.evil.example", nil),
            ("null", nil),
            ("", nil),
        ] as [(String, String?)])
    func allowed(_ origin: String, _ expected: String?) {
        #expect(Self.policy.allowedOrigin(for: origin) == expected)
    }

    @Test("* allows any origin, and says so without naming it")
    func anyOrigin() throws {
        #expect(try CrossOriginPolicy(parsing: ["*"]).allowedOrigin(for: "https://anyone.example") == "*")
    }

    @Test(
        "entries that are no origin are refused",
        arguments: ["members.example.org", "https://a.example/app", "ftp://a.example", "https://", "https://u@a.example"])
    func refused(_ entry: String) {
        #expect(throws: CrossOriginPolicy.Refusal.self) { try CrossOriginPolicy(parsing: [entry]) }
    }
}
