import Foundation

/// Input rules shared by every entry point (REST today, the socket tomorrow).
/// Each function returns the normalized value or throws a ``ChamberError`` naming the field.
public enum Validate {
    public static let maxEmailLength = 254
    public static let minPasswordLength = 10
    public static let maxPasswordLength = 128

    /// Trims and lowercases an email address, and checks its shape.
    public static func email(_ raw: String, field: String = "email") throws(ChamberError) -> String {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !email.isEmpty, email.count <= maxEmailLength else {
            throw ChamberError(.invalidEmail, "email must be 1 to \(maxEmailLength) characters", field: field)
        }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64,
            parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !parts[1].contains(".."),
            email.allSatisfy({ !$0.isWhitespace && $0 != "," && $0 != ";" && $0 != "<" && $0 != ">" })
        else {
            throw ChamberError(.invalidEmail, "'\(raw.prefix(80))' is not an email address", field: field)
        }
        return email
    }

    /// A password must be long enough and not trivially guessable.
    public static func password(_ password: String, email: String? = nil, field: String = "password") throws(ChamberError) {
        guard password.count >= minPasswordLength else {
            throw ChamberError(.weakPassword, "password must have at least \(minPasswordLength) characters", field: field)
        }
        guard password.utf8.count <= maxPasswordLength else {
            // bcrypt only reads 72 bytes; a long cap still stops hashing megabytes.
            throw ChamberError(.weakPassword, "password must have at most \(maxPasswordLength) bytes", field: field)
        }
        guard Set(password).count >= 4 else {
            throw ChamberError(.weakPassword, "password uses too few distinct characters", field: field)
        }
        let lowered = password.lowercased()
        if let email, let local = email.split(separator: "@").first, local.count >= 4, lowered.contains(local) {
            throw ChamberError(.weakPassword, "password must not contain the email address", field: field)
        }
        if commonPasswords.contains(where: { lowered.hasPrefix($0) }) {
            throw ChamberError(.weakPassword, "password is too common", field: field)
        }
    }

    private static let commonPasswords = ["password", "1234567890", "qwertyuiop", "letmein", "iloveyou", "abc123", "welcome1", "admin123"]

    /// Characters no text of ours carries: C0 and C1 controls other than tab and line breaks (NUL among them), and the
    /// bidirectional embedding, override and isolate controls, which make text show in another order than it reads
    /// (the "Trojan Source" spoof, CVE-2021-42574).
    public static func isForbiddenInText(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// A required, trimmed, single-line text of bounded length.
    public static func name(_ raw: String, field: String, maxLength: Int = 120) throws(ChamberError) -> String {
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw ChamberError(.validationFailed, "\(field) must not be empty", field: field) }
        guard value.count <= maxLength else {
            throw ChamberError(.validationFailed, "\(field) must have at most \(maxLength) characters", field: field)
        }
        guard !value.contains(where: { $0.isNewline || ($0.asciiValue.map { $0 < 0x20 } ?? false) }),
            !value.unicodeScalars.contains(where: isForbiddenInText)
        else {
            throw ChamberError(.validationFailed, "\(field) must be a single line without control characters", field: field)
        }
        return value
    }

    /// An optional text: `nil` or empty after trimming stays `nil`.
    /// A client's `Idempotency-Key`: 1 to 100 printable ASCII characters, as clients mint them (a UUID, usually).
    public static func idempotencyKey(_ raw: String?) throws(ChamberError) -> String? {
        guard let raw else { return nil }
        guard (1...100).contains(raw.utf8.count), raw.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw ChamberError(.validationFailed, "Idempotency-Key is 1 to 100 printable ASCII characters", field: "Idempotency-Key")
        }
        return raw
    }

    public static func optionalText(_ raw: String?, field: String, maxLength: Int = 500) throws(ChamberError) -> String? {
        guard let raw else { return nil }
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if value.isEmpty { return nil }
        guard value.count <= maxLength else {
            throw ChamberError(.validationFailed, "\(field) must have at most \(maxLength) characters", field: field)
        }
        guard !value.unicodeScalars.contains(where: isForbiddenInText) else {
            throw ChamberError(.validationFailed, "\(field) must not contain control characters", field: field)
        }
        return value
    }

    /// A slug: 3 to 40 of `a-z 0-9 -`, not starting or ending with `-`.
    public static func slug(_ raw: String, field: String = "slug") throws(ChamberError) -> String {
        let slug = raw.trimmingCharacters(in: .whitespaces).lowercased()
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard (3...40).contains(slug.count), slug.allSatisfy(allowed.contains), slug.first != "-", slug.last != "-" else {
            throw ChamberError(
                .validationFailed, "slug must be 3 to 40 characters of a-z, 0-9 and '-', not starting or ending with '-'", field: field)
        }
        return slug
    }

    /// Derives a slug from a name: `"Springfield Chamber!"` → `"springfield-chamber"`.
    public static func slug(fromName name: String) -> String {
        var result = ""
        for scalar in name.lowercased().folding(options: .diacriticInsensitive, locale: nil).unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar), scalar.isASCII {
                result.unicodeScalars.append(scalar)
            } else if !result.hasSuffix("-"), !result.isEmpty {
                result.append("-")
            }
        }
        while result.hasSuffix("-") { result.removeLast() }
        if result.count < 3 { result += "-chamber" }
        return String(result.prefix(40)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }

    /// An absolute http(s) URL.
    public static func url(_ raw: String?, field: String) throws(ChamberError) -> String? {
        guard let value = try optionalText(raw, field: field, maxLength: 2048) else { return nil }
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty
        else {
            throw ChamberError(.validationFailed, "\(field) must be an absolute http or https URL", field: field)
        }
        return value
    }

    /// A `#RRGGBB` color.
    public static func color(_ raw: String?, field: String) throws(ChamberError) -> String? {
        guard let value = try optionalText(raw, field: field, maxLength: 7) else { return nil }
        let hex = Set("0123456789abcdefABCDEF")
        guard value.count == 7, value.first == "#", value.dropFirst().allSatisfy(hex.contains) else {
            throw ChamberError(.validationFailed, "\(field) must be a color like #1A2B3C", field: field)
        }
        return value.uppercased()
    }

    /// An IANA time zone known to this system.
    public static func timezone(_ raw: String, field: String) throws(ChamberError) -> String {
        guard TimeZone(identifier: raw) != nil else {
            throw ChamberError(.validationFailed, "\(field) must be an IANA time zone such as America/Chicago", field: field)
        }
        return raw
    }

    /// An ISO 4217 currency code: three capital letters.
    public static func currency(_ raw: String, field: String) throws(ChamberError) -> String {
        let value = raw.uppercased()
        guard value.count == 3, value.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw ChamberError(.validationFailed, "\(field) must be an ISO 4217 code such as USD", field: field)
        }
        return value
    }

    /// An identifier from a path or body.
    public static func identifier<Entity>(_ raw: String, as: Identifier<Entity>.Type, field: String) throws(ChamberError) -> Identifier<Entity> {
        guard let id = Identifier<Entity>(validating: raw) else {
            throw ChamberError(.invalidIdentifier, "\(field) must be a UUID", field: field)
        }
        return id
    }
}
