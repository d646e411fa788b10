/// The kinds of file the server keeps, each known by its first bytes (its "magic number"), never by its name alone:
/// a script renamed `license.pdf` is still refused.
public enum FileContentType: String, Sendable, Codable, CaseIterable {
    case pdf = "application/pdf"
    case png = "image/png"
    case jpeg = "image/jpeg"
    case webp = "image/webp"

    /// The type `bytes` begin with, if any we keep.
    public static func detect(_ bytes: some Collection<UInt8>) -> FileContentType? {
        let head = Array(bytes.prefix(12))
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
        }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return .webp }
        return nil
    }

    /// The names' endings this type goes by.
    public var extensions: [String] {
        switch self {
        case .pdf: ["pdf"]
        case .png: ["png"]
        case .jpeg: ["jpg", "jpeg"]
        case .webp: ["webp"]
        }
    }

    /// What a file of `kind` may be: a logo is a picture; papers are PDFs or scans of them; a message may carry any
    /// of the four.
    public static func allowed(for kind: DocumentKind) -> [FileContentType] {
        switch kind {
        case .logo: [.png, .jpeg, .webp]
        case .messageAttachment: [.png, .jpeg, .webp, .pdf]
        case .businessLicense, .insuranceCertificate, .taxExemptionLetter, .other: [.pdf, .png, .jpeg]
        }
    }
}
