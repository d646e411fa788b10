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
        // A `://` after the `@` (in a query) starts no user information.
        ("chamber:secret@host/db?sslrootcert=file:///ca.pem", "chamber:***@host/db?sslrootcert=file:///ca.pem"),
        ("postgres:/chamber:secret@db/x?next=http://y", "postgres:***@db/x?next=http://y"),
        ("a:b@://c", "a:***@://c"),
        // A combining mark joins the `:` into one character, not into one byte.
        ("mysql://u:\u{301}secret@h", "mysql://u:***@h"),
        ("", ""),
        ("@", "@"),
        (":@", ":***@"),
    ])
    func hidesThePassword(url: String, shown: String) {
        #expect(redactedURL(url) == shown)
    }
}
