import Testing

@testable import ChamberDomain

/// The hosts a chamber's webhook may not name: this machine and private networks, by address or by reserved name.
@Suite("Webhook URLs")
struct WebhookURLTests {
    @Test(
        "internal hosts are refused, public ones taken",
        arguments: [
            ("127.0.0.1", true), ("127.8.9.10", true), ("10.0.0.5", true), ("172.16.0.1", true), ("172.31.255.255", true), ("192.168.1.1", true),
            ("169.254.169.254", true), ("100.64.0.1", true), ("0.0.0.0", true), ("localhost", true), ("LOCALHOST.", true),
            ("printer.local", true), ("db.internal", true), ("[::1]", true), ("::1", true), ("fe80::1", true), ("fd12:3456::1", true),
            ("::ffff:127.0.0.1", true), ("172.32.0.1", false), ("8.8.8.8", false), ("books.example.org", false), ("2606:4700::1111", false),
            ("192.169.1.1", false), ("localhost.example.org", false),
        ])
    func hosts(_ host: String, _ refused: Bool) {
        #expect(WebhookService.isInternal(host: host) == refused, "\(host)")
    }
}
