import Foundation

/// An invoice as a member reads it: the lines of text of the document (the chamber, the number and dates, who is
/// billed, each line, the totals), written as an HTML page or a one-font PDF a member can download and print.
public struct InvoiceDocument: Sendable {
    public let invoice: Invoice
    public let chamberName: String
    public let memberName: String
    public let memberEmail: String
    public let timeZone: TimeZone

    public init(invoice: Invoice, chamberName: String, memberName: String, memberEmail: String, timeZone: TimeZone) {
        self.invoice = invoice
        self.chamberName = chamberName
        self.memberName = memberName
        self.memberEmail = memberEmail
        self.timeZone = timeZone
    }

    var title: String { "Invoice \(invoice.number ?? "(draft)")" }

    private func money(_ amount: Int64) -> String { "\(MinorUnits.decimal(amount, invoice.currency)) \(invoice.currency.code)" }

    private func day(_ date: Date?) -> String { date.map { CalendarDay.text($0, in: timeZone) } ?? "" }

    /// The document's facts, label and value, in reading order.
    var facts: [(String, String)] {
        [
            ("From", chamberName), ("Billed to", "\(memberName) <\(memberEmail)>"), ("Status", invoice.status.rawValue),
            ("Issued", day(invoice.issuedAt)), ("Due", day(invoice.dueAt)),
        ].filter { !$0.1.isEmpty }
    }

    var totals: [(String, String)] {
        let total = invoice.status == .draft ? ((try? InvoiceLedger.total(of: invoice.lines)) ?? 0) : invoice.totalMinor
        var rows = [("Total", money(total))]
        if invoice.feesMinor > 0 { rows.append(("Late fees", money(invoice.feesMinor))) }
        rows.append(("Paid", money(invoice.paidMinor)))
        if invoice.refundedMinor > 0 { rows.append(("Refunded", money(invoice.refundedMinor))) }
        if invoice.creditedMinor > invoice.refundedMinor { rows.append(("Credited", money(invoice.creditedMinor - invoice.refundedMinor))) }
        rows.append(("Amount due", money(invoice.amountDueMinor)))
        return rows
    }

    /// A page of its own, everything from the invoice escaped.
    public func html() -> String {
        let escape = HTMLText.escape
        let facts = self.facts.map { "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>" }.joined()
        let lines = invoice.lines.map {
            "<tr><td>\(escape($0.description))</td><td class=n>\($0.quantity)</td><td class=n>\(escape(money($0.unitAmountMinor)))</td>"
                + "<td class=n>\(escape(money($0.amountMinor ?? 0)))</td></tr>"
        }.joined()
        let totals = self.totals.map { "<tr><th colspan=3>\(escape($0.0))</th><td class=n>\(escape($0.1))</td></tr>" }.joined()
        let memo = invoice.memo.map { "<p>\(escape($0))</p>" } ?? ""
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd}.n{text-align:right}</style>
            </head><body><h1>\(escape(title))</h1><table>\(facts)</table>
            <table><thead><tr><th>Description</th><th class=n>Quantity</th><th class=n>Unit</th><th class=n>Amount</th></tr></thead>
            <tbody>\(lines)</tbody><tfoot>\(totals)</tfoot></table>\(memo)</body></html>

            """
    }

    /// The text lines of the PDF, in order.
    var textLines: [String] {
        var lines = [title, ""] + facts.map { "\($0.0): \($0.1)" } + [""]
        lines += invoice.lines.map { "\($0.description)  x\($0.quantity)  at \(money($0.unitAmountMinor))  =  \(money($0.amountMinor ?? 0))" }
        lines += [""] + totals.map { "\($0.0): \($0.1)" }
        if let memo = invoice.memo { lines += [""] + memo.split(whereSeparator: \.isNewline).map(String.init) }
        return lines
    }

    /// A PDF 1.4 of US Letter pages in Helvetica (the standard font every reader has), 48 lines a page.
    public func pdf() -> [UInt8] {
        let pages = stride(from: 0, to: max(textLines.count, 1), by: 48).map { Array(textLines[$0..<min($0 + 48, textLines.count)]) }
        var objects: [String] = []
        // 1: catalog, 2: pages, 3: font, then a page and its content per page.
        let pageIDs = pages.indices.map { 4 + 2 * $0 }
        objects.append("<< /Type /Catalog /Pages 2 0 R >>")
        objects.append("<< /Type /Pages /Kids [\(pageIDs.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(pages.count) >>")
        objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        for (index, page) in pages.enumerated() {
            var stream = "BT /F1 11 Tf 14 TL 56 740 Td\n"
            for line in page { stream += "(\(Self.pdfText(line))) Tj T*\n" }
            stream += "ET"
            objects.append(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents \(pageIDs[index] + 1) 0 R >>")
            objects.append("<< /Length \(Self.latin1(stream).count) >>\nstream\n\(stream)\nendstream")
        }
        var bytes = Self.latin1("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n")
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(bytes.count)
            bytes += Self.latin1("\(index + 1) 0 obj\n\(object)\nendobj\n")
        }
        let xref = bytes.count
        bytes += Self.latin1("xref\n0 \(objects.count + 1)\n0000000000 65535 f \n")
        for offset in offsets { bytes += Self.latin1(String(format: "%010d 00000 n \n", offset)) }
        bytes += Self.latin1("trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n")
        return bytes
    }

    /// Text for a PDF string in WinAnsi: parentheses and backslashes escaped, characters beyond Latin-1 as `?`.
    static func pdfText(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "(", ")", "\\": out += "\\\(Character(scalar))"
            case "\u{20}"..."\u{7E}": out.unicodeScalars.append(scalar)
            case "\u{A0}"..."\u{FF}": out += String(format: "\\%03o", scalar.value)
            default: out += "?"
            }
        }
        return out
    }

    private static func latin1(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { $0.value < 256 ? UInt8($0.value) : UInt8(ascii: "?") }
    }
}
