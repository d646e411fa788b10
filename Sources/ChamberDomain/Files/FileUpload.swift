import Foundation

/// A file as a client sent it, before the server has checked anything about it.
public struct FileUpload: Sendable {
    public let bytes: [UInt8]
    /// The name the client gave; only its last path component is kept.
    public let name: String
    /// The `Content-Type` the client declared, if any; it must agree with the bytes.
    public let declaredType: String?

    public init(bytes: [UInt8], name: String, declaredType: String?) {
        self.bytes = bytes
        self.name = name
        self.declaredType = declaredType
    }

    /// The type the bytes are, if it is one `kind` allows and the name and the declared type agree with it.
    /// - Throws: `file_type_refused` naming what disagrees.
    func checkedType(for kind: DocumentKind) throws(ChamberError) -> FileContentType {
        let allowed = FileContentType.allowed(for: kind)
        let names = allowed.map(\.rawValue).joined(separator: ", ")
        guard let detected = FileContentType.detect(bytes), allowed.contains(detected) else {
            throw ChamberError(.fileTypeRefused, "a \(kind.rawValue) must be one of \(names), and these bytes are none of them", field: "file")
        }
        if let declared = declaredType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased(),
            !declared.isEmpty, declared != "application/octet-stream", declared != detected.rawValue
        {
            throw ChamberError(.fileTypeRefused, "the file was sent as \(declared) but its bytes are \(detected.rawValue)", field: "file")
        }
        let cleaned = Self.clean(name)
        if let dot = cleaned.lastIndex(of: "."), case let ending = cleaned[cleaned.index(after: dot)...].lowercased(),
            Self.knownExtensions.contains(ending), !detected.extensions.contains(ending)
        {
            throw ChamberError(.fileTypeRefused, "the name ends in .\(ending) but the bytes are \(detected.rawValue)", field: "name")
        }
        return detected
    }

    /// Endings that name a type: a file whose name ends in one must be that type. Other endings ("Acme Inc. license",
    /// "scan v1.2") are part of the name.
    static let knownExtensions: Set<String> = Set(FileContentType.allCases.flatMap(\.extensions)).union([
        "gif", "bmp", "tif", "tiff", "heic", "svg", "txt", "csv", "rtf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "zip", "rar", "7z",
        "gz", "exe", "msi", "dll", "bat", "cmd", "com", "scr", "sh", "js", "html", "htm", "xml", "php", "jar", "apk", "dmg", "iso",
    ])

    /// The name without any folder, control characters or quotes (it goes into a `Content-Disposition` header), at
    /// most 200 characters; "file" when nothing is left.
    static func clean(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let kept = String(last.unicodeScalars.filter { $0.value >= 0x20 && $0 != "\"" && $0.value != 0x7F }.map(Character.init))
            .trimmingCharacters(in: .whitespaces)
        return kept.isEmpty || kept == "." || kept == ".." ? "file" : String(kept.prefix(200))
    }
}
