import ChamberDomain
import Foundation

/// One e-mail as this server writes it (RFC 5322, MIME RFC 2045–2047): a `multipart/alternative` of the text and
/// an HTML rendering of it, both UTF-8 in quoted-printable, so that every line is 7-bit and at most 76 characters
/// in the bodies (998 anywhere, RFC 5322 §2.1.1), with CRLF line endings.
///
/// Pure: the date, the Message-ID and the boundary can be given, and the same values give the same bytes.
public struct MIMEMessage: Sendable, Equatable {
    /// An address with an optional display name (RFC 5322 §3.4 `name-addr`).
    public struct Mailbox: Sendable, Equatable {
        public let address: String
        public let name: String?

        public init(_ address: String, name: String? = nil) {
            self.address = address
            self.name = name
        }
    }

    public let from: Mailbox
    public let to: Mailbox
    public let subject: String
    /// The body as plain text; the HTML part is made from it.
    public let text: String
    public let date: Date
    /// The Message-ID without its angle brackets.
    public let messageID: String
    /// The one-click unsubscribe link (RFC 8058), if the message has one.
    public let listUnsubscribe: URL?
    /// The multipart boundary.
    public let boundary: String

    /// - Parameters:
    ///   - messageID: Without angle brackets; by default a random one in the sender's domain.
    ///   - boundary: By default a random one starting with `=_`, which quoted-printable never writes, so no part
    ///     can contain it.
    public init(
        from: Mailbox, to: Mailbox, subject: String, text: String, date: Date = Date(), messageID: String? = nil,
        listUnsubscribe: URL? = nil, boundary: String? = nil
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.date = date
        self.messageID = messageID ?? "\(UUID().uuidString.lowercased())@\(SMTPAddress.domain(of: from.address))"
        self.listUnsubscribe = listUnsubscribe
        self.boundary = boundary ?? "=_chamber_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
    }

    /// The whole message, headers and body, CRLF line endings, ending with CRLF. Not yet dot-stuffed: see
    /// ``dotStuffed(_:)``.
    public var rendered: String {
        var headers = [
            Self.header("Date", Self.dateHeader(date)),
            Self.header("From", Self.mailboxHeader(from)),
            Self.header("To", Self.mailboxHeader(to)),
            Self.header("Subject", Self.unstructuredHeader(subject)),
            Self.header("Message-ID", "<\(messageID)>"),
            // RFC 3834 §5: mail a machine sends on its own; vacation responders must not answer it.
            Self.header("Auto-Submitted", "auto-generated"),
        ]
        if let listUnsubscribe {
            headers.append(Self.header("List-Unsubscribe", "<\(listUnsubscribe.absoluteString)>"))
            // RFC 8058 §3.1: the mailbox provider POSTs this body to the URL, rather than a person opening it.
            headers.append(Self.header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        }
        headers.append(Self.header("MIME-Version", "1.0"))
        headers.append(Self.header("Content-Type", "multipart/alternative; boundary=\"\(boundary)\""))

        var lines = headers
        lines.append("")
        for (type, body) in [("text/plain", text), ("text/html", Self.html(fromText: text, title: subject))] {
            lines.append("--\(boundary)")
            lines.append("Content-Type: \(type); charset=utf-8")
            lines.append("Content-Transfer-Encoding: quoted-printable")
            lines.append("")
            lines.append(Self.quotedPrintable(body))
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    // MARK: - Headers

    /// `Name: value`, folded at spaces (RFC 5322 §2.2.3) so that lines stay within 78 characters where the words allow.
    static func header(_ name: String, _ value: String) -> String {
        var lines: [String] = []
        var line = name + ":"
        var lineHasWord = false
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            // Never before an empty word: that would make a line of only a space (RFC 5322 §4.2, obsolete).
            if lineHasWord, !word.isEmpty, line.utf8.count + 1 + word.utf8.count > 78 {
                lines.append(line)
                line = ""
            }
            // A continuation line starts with the space: unfolding (removing CRLF) gives the value back.
            line += " " + word
            lineHasWord = true
        }
        lines.append(line)
        return lines.joined(separator: "\r\n")
    }

    /// Text for an unstructured header (`Subject`): as it is when it is printable ASCII, else RFC 2047 encoded-words.
    static func unstructuredHeader(_ text: String) -> String {
        let text = singleLine(text)
        // "=?" would be read as the start of an encoded-word; a 900-byte word could not be folded under 998.
        let printable = text.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) }
        let foldable = !text.split(separator: " ").contains { $0.utf8.count > 900 }
        return printable && foldable && !text.contains("=?") ? text : encodedWords(text)
    }

    /// `"Name" <address>` (the name as a quoted-string, or encoded-words when it is not ASCII), or the bare address.
    static func mailboxHeader(_ mailbox: Mailbox) -> String {
        // A line break in an address would start a header of the sender's choosing.
        let address = singleLine(mailbox.address)
        guard let rawName = mailbox.name.map(singleLine), !rawName.isEmpty else { return address }
        if rawName.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) }) && !rawName.contains("=?")
            && !rawName.split(separator: " ").contains(where: { $0.utf8.count > 900 })
        {
            let quoted = rawName.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(address)>"
        }
        return "\(encodedWords(rawName)) <\(address)>"
    }

    /// RFC 2047 `B` encoded-words, each at most 75 characters and made of whole characters (§5 rule 3), separated by
    /// spaces (which decoding drops between encoded-words, and which ``header(_:_:)`` folds at).
    public static func encodedWords(_ text: String) -> String {
        // A line holding an encoded-word is at most 76 characters (RFC 2047 §2), "Subject: " included: 39 bytes are
        // 13 base64 quanta, a 64-character word.
        let maximumBytes = 39
        var chunks: [[UInt8]] = []
        var chunk: [UInt8] = []
        func add(_ bytes: [UInt8]) {
            if chunk.count + bytes.count > maximumBytes, !chunk.isEmpty {
                chunks.append(chunk)
                chunk = []
            }
            chunk += bytes
        }
        for character in text {
            let bytes = Array(String(character).utf8)
            if bytes.count <= maximumBytes {
                add(bytes)
            } else {
                // A character longer than a word (a long emoji sequence) is split between its scalars.
                for scalar in character.unicodeScalars { add(Array(String(scalar).utf8)) }
            }
        }
        if !chunk.isEmpty || chunks.isEmpty { chunks.append(chunk) }
        return chunks.map { "=?UTF-8?B?\(Data($0).base64EncodedString())?=" }.joined(separator: " ")
    }

    /// RFC 5322 §3.3 `date-time` in UTC: `Tue, 20 May 2025 14:03:09 +0000`.
    public static func dateHeader(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    /// One line: a header value with a line break (or another control character) in it would start a new header.
    private static func singleLine(_ text: String) -> String {
        let space: Unicode.Scalar = " "
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(scalar.value < 0x20 || scalar.value == 0x7F ? space : scalar)
        }
        return String(scalars)
    }

    // MARK: - Bodies

    /// RFC 2045 §6.7 quoted-printable of the UTF-8 of `text`: line breaks become CRLF, lines are at most 76
    /// characters (soft breaks end with `=`), and a space or tab ending a line is encoded so transports keep it.
    public static func quotedPrintable(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [String] = []
        for line in normalizedLines(text) {
            let bytes = Array(line.utf8)
            var current: [UInt8] = []
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !isLast)
                let token: [UInt8] = literal ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                // 75 leaves room for the "=" of a soft line break.
                if current.count + token.count > 75 {
                    output.append(String(decoding: current + [UInt8(ascii: "=")], as: UTF8.self))
                    current = []
                }
                current += token
            }
            output.append(String(decoding: current, as: UTF8.self))
        }
        return output.joined(separator: "\r\n")
    }

    /// The text as an HTML document: escaped, a paragraph per blank-line-separated block, line breaks kept.
    public static func html(fromText text: String, title: String) -> String {
        var paragraphs: [[String]] = []
        var current: [String] = []
        for line in normalizedLines(text) {
            if line.allSatisfy(\.isWhitespace) {
                if !current.isEmpty { paragraphs.append(current) }
                current = []
            } else {
                current.append(escapeHTML(line))
            }
        }
        if !current.isEmpty { paragraphs.append(current) }
        var lines = [
            "<!DOCTYPE html>",
            "<html lang=\"en\">",
            "<head>",
            "<meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<title>\(escapeHTML(singleLine(title)))</title>",
            "</head>",
            "<body style=\"font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; line-height: 1.5\">",
        ]
        lines += paragraphs.map { "<p>" + $0.joined(separator: "<br>\n") + "</p>" }
        lines += ["</body>", "</html>"]
        return lines.joined(separator: "\n")
    }

    static func escapeHTML(_ text: String) -> String { HTMLText.escape(text) }

    /// The lines of `text`, whatever its line endings (CRLF, LF or CR), without a last empty one.
    static func normalizedLines(_ text: String) -> [String] {
        let unified = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var lines = unified.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.count > 1, lines.last == "" { lines.removeLast() }
        return lines
    }

    // MARK: - SMTP

    /// The message as DATA sends it (RFC 5321 §4.5.2): every line starting with "." gets another, lines end with
    /// CRLF (a bare CR or LF becomes one, §2.3.8), and the whole ends with CRLF. The client then sends `.` CRLF.
    public static func dotStuffed(_ message: String) -> String {
        var stuffed = ""
        stuffed.reserveCapacity(message.utf8.count + 64)
        for line in normalizedLines(message) {
            // By byte: a "." followed by a combining mark is not a Character "." but is one on the wire.
            if line.utf8.first == UInt8(ascii: ".") { stuffed += "." }
            stuffed += line
            stuffed += "\r\n"
        }
        return stuffed
    }
}
