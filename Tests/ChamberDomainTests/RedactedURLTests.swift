import ChamberDomain
import Testing

@Suite struct RedactedURLTests {
    @Test(arguments: [
        ("postgres://chamber:secret@127.0.0.1:5432/chamberconnect", "postgres://chamber:***@127.0.0.1:5432/chamberconnect"),
        ("redis://:secret@127.0.0.1:6379", "redis://:***@127.0.0.1:6379"),
        ("postgres://chamber:p@ss@host/db", "postgres://chamber:***@host/db"),
        ("postgres://chamber@host/db", "postgres://chamber@host/db"),
        ("sqlite://data/chamberconnect.sqlite", "sqlite://data/chamberconnect.sqlite"),
        // Without a scheme, the user information starts the text.
        ("chamber:secret@host/db", "chamber:***@host/db"),
        // An `@` before the scheme's `://` ends no user information (fuzz-configuration: this crashed the loader).
        ("postgres@@@://chamber4", "postgres@@@://chamber4"),
        ("postg@res://chamber:secret@host", "postg@res://chamber:***@host"),
        ("postg@res://chambcdef0123456789abcdef0123", "postg@res://chambcdef0123456789abcdef0123"),
        ("", ""),
        ("@", "@"),
        (":@", ":***@"),
    ])
    func hidesThePasswordOfAnyText(url: String, shown: String) {
        #expect(redactedURL(url) == shown)
    }
}
