import Foundation

/// The archive a member downloads: `index.json` says what each file holds, each section is `<name>.json`, and the
/// files they uploaded are under `files/`.
public enum DataExportArchive {
    /// One uploaded file as it goes into the archive.
    public struct Upload: Sendable {
        public let file: StoredFile
        public let bytes: [UInt8]

        public init(file: StoredFile, bytes: [UInt8]) {
            self.file = file
            self.bytes = bytes
        }
    }

    /// Builds the archive of `export`, made at `at`, for the chamber named `chamberName`.
    public static func build(
        _ export: DataExport, chamberName: String, sections: [PersonalDataSection], uploads: [Upload], at: Date
    ) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var zip = ZipArchive(modifiedAt: at)
        var contents: [JSONValue] = []
        for section in sections {
            let name = "\(section.name).json"
            try zip.add(name, Array(try encoder.encode(JSONValue.array(section.rows))))
            contents.append(.object(["file": .string(name), "about": .string(section.about), "rows": .int(Int64(section.rows.count))]))
        }
        for upload in uploads {
            // Named by id first: two uploads may share a name, and a name is the uploader's, not a path.
            let name = "files/\(upload.file.id.rawValue)-\(upload.file.name)"
            try zip.add(name, upload.bytes)
            contents.append(.object(["file": .string(name), "about": .string("a file you uploaded (\(upload.file.kind.rawValue))")]))
        }
        let index: JSONValue = .object([
            "export_id": .string(export.id.rawValue),
            "chamber_id": .string(export.chamberID.rawValue),
            "chamber_name": .string(chamberName),
            "user_id": .string(export.userID.rawValue),
            "requested_at": .string(export.requestedAt.iso8601Seconds),
            "prepared_at": .string(at.iso8601Seconds),
            "contents": .array(contents),
        ])
        try zip.add("index.json", Array(try encoder.encode(index)))
        return zip.bytes
    }
}
