import ChamberDomain
import Foundation
import Testing

@Suite("Input validation")
struct ValidateTests {
    @Test("emails are normalized", arguments: [("  Ada@Example.COM ", "ada@example.com"), ("a.b+c@sub.example.org", "a.b+c@sub.example.org")])
    func goodEmails(_ raw: String, _ expected: String) throws {
        #expect(try Validate.email(raw) == expected)
    }

    @Test(
        "bad emails are refused with invalid_email",
        arguments: [
            "", "plain", "@example.com", "a@", "a@b", "a@.com", "a@b..com", "a b@c.com", "a@b.com.", "a@@b.com",
            String(repeating: "a", count: 250) + "@b.com",
        ])
    func badEmails(_ raw: String) {
        #expect(throws: ChamberError.self) { try Validate.email(raw) }
        do { _ = try Validate.email(raw) } catch { #expect(error.code == .invalidEmail) }
    }

    @Test("weak passwords are refused with weak_password", arguments: ["short", "aaaaaaaaaaaa", "password123456", "1234567890", "ababababab"])
    func weakPasswords(_ password: String) {
        do {
            try Validate.password(password)
            Issue.record("accepted weak password \(password)")
        } catch {
            #expect(error.code == .weakPassword)
        }
    }

    @Test("a password containing the email's name is refused")
    func passwordWithEmail() {
        #expect(throws: ChamberError.self) { try Validate.password("margaret-1984!", email: "margaret@example.com") }
    }

    @Test("strong passwords pass", arguments: ["correct horse battery", "Tr0ub4dor&3x", "chamber-demo-2026"])
    func strongPasswords(_ password: String) throws {
        try Validate.password(password)
    }

    @Test(
        "slugs",
        arguments: [("Springfield Chamber of Commerce!", "springfield-chamber-of-commerce"), ("Ünïcode Ville", "unicode-ville"), ("A", "a-chamber")])
    func slugs(_ name: String, _ expected: String) throws {
        let slug = Validate.slug(fromName: name)
        #expect(slug == expected)
        #expect(try Validate.slug(slug) == slug)
    }

    @Test("bad slugs, colors, urls, time zones and currencies are refused")
    func badFields() {
        #expect(throws: ChamberError.self) { try Validate.slug("-bad") }
        #expect(throws: ChamberError.self) { try Validate.slug("ab") }
        #expect(throws: ChamberError.self) { try Validate.slug("has space") }
        #expect(throws: ChamberError.self) { try Validate.color("red", field: "c") }
        #expect(throws: ChamberError.self) { try Validate.url("javascript:alert(1)", field: "u") }
        #expect(throws: ChamberError.self) { try Validate.url("/relative", field: "u") }
        #expect(throws: ChamberError.self) { try Validate.timezone("Mars/Olympus", field: "t") }
        #expect(throws: ChamberError.self) { try Validate.currency("DOLLARS", field: "c") }
        #expect(throws: ChamberError.self) { try Validate.name("line\nbreak", field: "n") }
        #expect(throws: ChamberError.self) { try Validate.name("   ", field: "n") }
    }

    @Test("identifiers must be UUIDs")
    func identifiers() {
        #expect(UserID(validating: "not-a-uuid") == nil)
        #expect(UserID(validating: "' OR 1=1 --") == nil)
        #expect(UserID(validating: "8D0D4C4E-3B4F-4F7E-9F5C-2A1B3C4D5E6F")?.rawValue == "8d0d4c4e-3b4f-4f7e-9f5c-2a1b3c4d5e6f")
    }

    @Test("page requests parse limit and cursor")
    func pages() throws {
        let page = try PageRequest(limit: "10", cursor: "o20")
        #expect(page.limit == 10 && page.offset == 20)
        #expect(throws: ChamberError.self) { try PageRequest(limit: "0", cursor: nil) }
        #expect(throws: ChamberError.self) { try PageRequest(limit: "1000", cursor: nil) }
        #expect(throws: ChamberError.self) { try PageRequest(limit: nil, cursor: "garbage") }
        let full = Page(fetched: Array(1...11), request: PageRequest(limit: 10, offset: 0))
        #expect(full.items.count == 10 && full.nextCursor == "o10")
        let last = Page(fetched: Array(1...3), request: PageRequest(limit: 10, offset: 10))
        #expect(last.items.count == 3 && last.nextCursor == nil)
    }
}

@Suite("Login throttle")
struct LoginThrottleTests {
    @Test("refuses after the limit within the window, and recovers after it")
    func window() {
        var throttle = LoginThrottle(policy: .init(maxFailures: 3, window: 60))
        let start = Date(timeIntervalSince1970: 1_000_000)
        for second in 0..<3 {
            #expect(throttle.retryAfter("k", now: start.addingTimeInterval(Double(second))) == nil)
            throttle.recordFailure("k", now: start.addingTimeInterval(Double(second)))
        }
        let wait = throttle.retryAfter("k", now: start.addingTimeInterval(3))
        #expect(wait == 57)
        #expect(throttle.retryAfter("other", now: start.addingTimeInterval(3)) == nil)
        #expect(throttle.retryAfter("k", now: start.addingTimeInterval(61)) == nil)
    }

    @Test("a reset clears the key")
    func reset() {
        var throttle = LoginThrottle(policy: .init(maxFailures: 1, window: 60))
        let now = Date()
        throttle.recordFailure("k", now: now)
        #expect(throttle.retryAfter("k", now: now) != nil)
        throttle.reset("k")
        #expect(throttle.retryAfter("k", now: now) == nil)
    }

    @Test("memory stays bounded")
    func bounded() {
        var throttle = LoginThrottle(policy: .init(maxFailures: 5, window: 60), maxKeys: 100)
        let now = Date()
        for index in 0..<1000 { throttle.recordFailure("k\(index)", now: now.addingTimeInterval(Double(index) / 1000)) }
        // The newest key is still tracked; the oldest were forgotten.
        for _ in 0..<4 { throttle.recordFailure("k999", now: now.addingTimeInterval(1)) }
        #expect(throttle.retryAfter("k999", now: now.addingTimeInterval(1)) != nil)
        #expect(throttle.retryAfter("k0", now: now.addingTimeInterval(1)) == nil)
    }

    @Test(
        "names and free texts refuse controls and bidirectional overrides; free texts keep tabs and line breaks",
        arguments: [
            ("plain", true, true), ("tab\tinside", false, true), ("two\nlines", false, true), ("nul\u{0000}", false, false),
            ("c1\u{0085}x", false, false), ("rlo \u{202E}cod.exe", false, false), ("isolate \u{2067}x", false, false),
            ("zero width joiner 👩\u{200D}💻", true, true), ("עברית", true, true),
        ])
    func controls(_ text: String, _ name: Bool, _ free: Bool) {
        #expect(((try? Validate.name(text, field: "n")) != nil) == name, "name: \(text.debugDescription)")
        #expect(((try? Validate.optionalText(text, field: "t")) != nil) == free, "text: \(text.debugDescription)")
    }
}
