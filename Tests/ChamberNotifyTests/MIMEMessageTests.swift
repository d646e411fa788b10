import ChamberNotify
import Foundation
import Testing

/// The header block and the body of a rendered message, headers unfolded (RFC 5322 §2.2.3).
struct RenderedMessage {
    let headerLines: [String]
    let headers: [(name: String, value: String)]
    let body: String

    init(_ rendered: String) throws {
        let split = try #require(rendered.range(of: "\r\n\r\n"))
        let block = String(rendered[..<split.lowerBound])
        headerLines = block.components(separatedBy: "\r\n")
        headers = block.replacingOccurrences(of: "\r\n ", with: " ").components(separatedBy: "\r\n").map { line in
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            return (name: String(line[..<colon]), value: String(line[colon...].dropFirst().drop { $0 == " " }))
        }
        body = String(rendered[split.upperBound...])
    }

    func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
}

/// RFC 2045 §6.7, the other way: soft line breaks joined, `=XX` decoded, hard line breaks kept as CRLF.
func decodeQuotedPrintable(_ text: String) -> String {
    var bytes: [UInt8] = []
    let lines = text.components(separatedBy: "\r\n")
    for (number, line) in lines.enumerated() {
        var characters = Array(line.utf8)
        let soft = characters.last == UInt8(ascii: "=")
        if soft { characters.removeLast() }
        var index = 0
        while index < characters.count {
            if characters[index] == UInt8(ascii: "="), index + 2 < characters.count,
                let byte = UInt8(String(decoding: characters[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(byte)
                index += 3
            } else {
                bytes.append(characters[index])
                index += 1
            }
        }
        if !soft, number < lines.count - 1 { bytes += [13, 10] }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// RFC 2047 `B` encoded-words separated by spaces, each required to hold whole UTF-8 characters; `nil` otherwise.
func decodeEncodedWords(_ value: String) -> String? {
    var decoded = ""
    for word in value.split(separator: " ") {
        guard word.count <= 75, word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
            let bytes = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))),
            let text = String(data: bytes, encoding: .utf8)
        else { return nil }
        decoded += text
    }
    return decoded
}

@Suite("Email: the MIME message (RFC 5322, 2045–2047, 8058) and DATA's dot-stuffing (RFC 5321)")
struct MIMEMessageTests {
    static let date = Date(timeIntervalSince1970: 1_747_749_789)

    static func message(
        subject: String = "Reset your password", text: String = "Hello Ben,\n\nToken: abc", fromName: String? = "ChamberConnect",
        listUnsubscribe: URL? = URL(string: "https://chamber.test/u?kind=password_reset")!, boundary: String? = "=_b"
    ) -> MIMEMessage {
        MIMEMessage(
            from: .init("noreply@chamber.test", name: fromName), to: .init("ben@chamber.test"), subject: subject, text: text, date: date,
            messageID: "m1@chamber.test", listUnsubscribe: listUnsubscribe, boundary: boundary)
    }

    @Test("the headers, in order, and the text part, byte for byte")
    func exactHeaders() throws {
        let rendered = Self.message().rendered
        let parsed = try RenderedMessage(rendered)
        #expect(
            parsed.headerLines == [
                "Date: Tue, 20 May 2025 14:03:09 +0000",
                "From: \"ChamberConnect\" <noreply@chamber.test>",
                "To: ben@chamber.test",
                "Subject: Reset your password",
                "Message-ID: <m1@chamber.test>",
                "Auto-Submitted: auto-generated",
                "List-Unsubscribe: <https://chamber.test/u?kind=password_reset>",
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                "MIME-Version: 1.0",
                "Content-Type: multipart/alternative; boundary=\"=_b\"",
            ])
        #expect(
            parsed.body.hasPrefix(
                "--=_b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                    + "Hello Ben,\r\n\r\nToken: abc\r\n--=_b\r\nContent-Type: text/html; charset=utf-8\r\n"
                    + "Content-Transfer-Encoding: quoted-printable\r\n\r\n"))
        #expect(parsed.body.hasSuffix("\r\n--=_b--\r\n"))
    }

    @Test("no List-Unsubscribe without a link; a fresh Message-ID and boundary by default")
    func defaults() throws {
        let first = MIMEMessage(from: .init("noreply@chamber.test"), to: .init("ben@chamber.test"), subject: "Hi", text: "x")
        let second = MIMEMessage(from: .init("noreply@chamber.test"), to: .init("ben@chamber.test"), subject: "Hi", text: "x")
        let parsed = try RenderedMessage(first.rendered)
        #expect(parsed.header("List-Unsubscribe") == nil && parsed.header("List-Unsubscribe-Post") == nil)
        #expect(parsed.header("From") == "noreply@chamber.test")
        let id = try #require(parsed.header("Message-ID"))
        #expect(id.range(of: #"^<[0-9a-f-]{36}@chamber\.test>$"#, options: .regularExpression) != nil, "\(id)")
        #expect(first.messageID != second.messageID && first.boundary != second.boundary)
        #expect(first.boundary.hasPrefix("=_"), "quoted-printable never writes =_, so no part can hold the boundary")
    }

    @Test("multipart/alternative: one delimiter per part, the close delimiter last, text then HTML")
    func multipart() throws {
        let message = Self.message(text: "a =_chamber_ b\n--=_b\n", boundary: nil)
        let lines = message.rendered.components(separatedBy: "\r\n")
        let boundary = message.boundary
        #expect(lines.filter { $0 == "--\(boundary)" }.count == 2)
        #expect(lines.filter { $0.contains(boundary) }.count == 4, "two delimiters, the close delimiter and the Content-Type header")
        #expect(lines.suffix(2) == ["--\(boundary)--", ""], "the close delimiter ends the message, with CRLF")
        let parsed = try RenderedMessage(message.rendered)
        #expect(parsed.header("Content-Type") == "multipart/alternative; boundary=\"\(boundary)\"")
        let parts = parsed.body.components(separatedBy: "--\(boundary)")
        #expect(parts.count == 4, "before the first delimiter, two parts, after the close delimiter")
        #expect(parts[1].hasPrefix("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"))
        #expect(parts[2].hasPrefix("\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"))
        #expect(parts[3] == "--\r\n")
        let text = parts[1].components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1); in Swift it is one Character.
        #expect(text.hasSuffix("\r\n"))
        #expect(decodeQuotedPrintable(String(text.dropLast())) == "a =_chamber_ b\r\n--=_b")
        let html = parts[2].components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        let expectedHTML = MIMEMessage.html(fromText: "a =_chamber_ b\n--=_b\n", title: "Reset your password")
        #expect(decodeQuotedPrintable(String(html.dropLast())) == expectedHTML.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test("CRLF line endings only; headers within 998 characters, bodies within 76; 7-bit throughout")
    func lineEndingsAndLengths() throws {
        let text = "Line one\r\nline two\rline three\n" + String(repeating: "é long ", count: 400) + "\n\n" + String(repeating: "x", count: 2_000)
        let rendered = Self.message(subject: String(repeating: "Ünïcödé subject ", count: 20), text: text).rendered
        let withoutCRLF = rendered.replacingOccurrences(of: "\r\n", with: "")
        #expect(!withoutCRLF.contains("\r") && !withoutCRLF.contains("\n"), "no bare CR or LF")
        #expect(rendered.hasSuffix("\r\n"))
        let parsed = try RenderedMessage(rendered)
        #expect(parsed.headerLines.allSatisfy { $0.utf8.count <= 998 })
        #expect(parsed.body.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 })
        #expect(rendered.utf8.allSatisfy { $0 < 0x80 })
    }

    @Test("a non-ASCII subject becomes RFC 2047 encoded-words that decode to it")
    func encodedWordSubject() throws {
        let parsed = try RenderedMessage(Self.message(subject: "Réinitialisez votre mot de passe").rendered)
        #expect(parsed.header("Subject") == "=?UTF-8?B?UsOpaW5pdGlhbGlzZXogdm90cmUgbW90IGRlIHBhc3Nl?=")

        let long = String(repeating: "Invitation à «Board» ✉️ ", count: 8) + "end"
        let folded = try RenderedMessage(Self.message(subject: long).rendered)
        let subjectLines = folded.headerLines.drop { !$0.hasPrefix("Subject:") }.prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        #expect(subjectLines.count > 1, "a long subject is folded")
        #expect(subjectLines.dropFirst().allSatisfy { $0.utf8.count <= 78 })
        let foldedSubject = try #require(folded.header("Subject"))
        #expect(decodeEncodedWords(foldedSubject) == long)
    }

    @Test("encoded-words never split a character, not even one longer than a word")
    func encodedWordBoundaries() {
        let family = "👩‍👩‍👧‍👦"
        let accents = "e" + String(repeating: "\u{0301}", count: 30)
        for text in [String(repeating: family, count: 5), accents + "x" + accents, String(repeating: "é", count: 100)] {
            let words = MIMEMessage.encodedWords(text)
            #expect(decodeEncodedWords(words) == text, "each word is whole UTF-8 and at most 75 characters: \(words)")
        }
    }

    @Test("printable ASCII stays as it is, folded; \"=?\" and control characters do not pass through")
    func asciiSubjects() throws {
        let long = (1...30).map { "word\($0)" }.joined(separator: " ")
        let parsed = try RenderedMessage(Self.message(subject: long).rendered)
        #expect(parsed.header("Subject") == long)
        #expect(parsed.headerLines.allSatisfy { $0.utf8.count <= 78 })

        let lookalike = try RenderedMessage(Self.message(subject: "=?UTF-8?B?SGk=?=").rendered)
        let lookalikeSubject = try #require(lookalike.header("Subject"))
        #expect(decodeEncodedWords(lookalikeSubject) == "=?UTF-8?B?SGk=?=")

        let injected = try RenderedMessage(Self.message(subject: "Hello\r\nBcc: eve@evil.test").rendered)
        #expect(!injected.headerLines.contains { $0.hasPrefix("Bcc:") }, "a line break in the subject cannot start a header")
        #expect(injected.header("Subject") == "Hello  Bcc: eve@evil.test")
    }

    @Test("the sender's display name: a quoted-string with escapes, or encoded-words")
    func displayNames() throws {
        let quoted = try RenderedMessage(Self.message(fromName: "Ann \"The Admin\" O'Neil \\ ops").rendered)
        #expect(quoted.header("From") == #""Ann \"The Admin\" O'Neil \\ ops" <noreply@chamber.test>"#)
        let encoded = try RenderedMessage(Self.message(fromName: "Zoë Chamber").rendered)
        #expect(encoded.header("From") == "=?UTF-8?B?Wm/DqyBDaGFtYmVy?= <noreply@chamber.test>")
    }

    @Test("quoted-printable: UTF-8 bytes and = encoded, soft breaks within 76, a line-ending space kept")
    func quotedPrintable() {
        #expect(MIMEMessage.quotedPrintable("café = 100%") == "caf=C3=A9 =3D 100%")
        #expect(MIMEMessage.quotedPrintable("end \nnext\t\r\nlast") == "end=20\r\nnext=09\r\nlast")
        for text in [String(repeating: "a", count: 200), String(repeating: "é", count: 100), String(repeating: "ab= ", count: 60) + " "] {
            let encoded = MIMEMessage.quotedPrintable(text)
            let lines = encoded.components(separatedBy: "\r\n")
            #expect(lines.count > 1 && lines.allSatisfy { $0.utf8.count <= 76 })
            #expect(lines.dropLast().allSatisfy { $0.hasSuffix("=") }, "every break inside one line is soft")
            #expect(decodeQuotedPrintable(encoded) == text)
        }
    }

    @Test("the HTML part: escaped, a paragraph per block, line breaks kept")
    func html() {
        let html = MIMEMessage.html(fromText: "Hi <Ann> & co\nline two\n\n\n  \nNext \"para\" it's", title: "T & <t>")
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.contains("<meta charset=\"utf-8\">"))
        #expect(html.contains("<title>T &amp; &lt;t&gt;</title>"))
        #expect(html.contains("<p>Hi &lt;Ann&gt; &amp; co<br>\nline two</p>\n<p>Next &quot;para&quot; it&#39;s</p>"))
        #expect(html.components(separatedBy: "<p>").count == 3)
        #expect(html.hasSuffix("</body>\n</html>"))
    }

    @Test("RFC 5322 dates, in UTC")
    func dates() {
        #expect(MIMEMessage.dateHeader(Date(timeIntervalSince1970: 1_747_749_789)) == "Tue, 20 May 2025 14:03:09 +0000")
        #expect(MIMEMessage.dateHeader(Date(timeIntervalSince1970: 946_702_807)) == "Sat, 01 Jan 2000 05:00:07 +0000")
    }

    @Test("dot-stuffing for DATA: a line starting with a dot gets another; every line ends with CRLF")
    func dotStuffing() {
        #expect(MIMEMessage.dotStuffed(".\r\n..x\r\nnormal\n.end\rlast") == "..\r\n...x\r\nnormal\r\n..end\r\nlast\r\n")
        #expect(MIMEMessage.dotStuffed("a.b\r\n") == "a.b\r\n")
        let stuffed = MIMEMessage.dotStuffed(Self.message(text: ".\n.hidden\nfine").rendered)
        #expect(!stuffed.contains("\r\n.\r\n"), "no line of the message can end DATA")
        #expect(stuffed.contains("\r\n..\r\n..hidden\r\nfine\r\n"))
    }
}
