import Foundation

/// Reads a ZIP archive with Python's `zipfile`, written from the format's specification by others: each entry's
/// name and bytes, checked against its CRC-32, or why the archive could not be read.
enum ZipReader {
    struct Read: Sendable {
        /// Each entry's bytes, by name.
        let entries: [String: Data]
        let error: String?

        /// An entry parsed as JSON.
        func json(_ name: String) -> JSON { entries[name].flatMap { try? JSON.parse($0) } ?? .null }
    }

    static let script = """
        import base64, json, sys, zipfile
        try:
            with zipfile.ZipFile(sys.argv[1]) as archive:
                bad = archive.testzip()
                if bad is not None:
                    raise ValueError('bad CRC-32 in ' + bad)
                entries = {info.filename: base64.b64encode(archive.read(info)).decode() for info in archive.infolist()}
            json.dump({'entries': entries, 'error': None}, open(sys.argv[2], 'w'))
        except Exception as error:
            json.dump({'entries': {}, 'error': repr(error)}, open(sys.argv[2], 'w'))
        """

    static func read(_ bytes: Data) async throws -> Read {
        let json = try await PythonReader.run(script, on: bytes) as? [String: Any] ?? [:]
        let encoded = json["entries"] as? [String: String] ?? [:]
        return Read(entries: encoded.compactMapValues { Data(base64Encoded: $0) }, error: json["error"] as? String)
    }
}
