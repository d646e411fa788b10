import Crypto
import Foundation
import NIOCore

/// The web app's files (`web.root`): `index.html` and the flat `app/` folder, read once when the node starts so a
/// request never touches the disk and a file changed under a running node cannot be served half-written.
public struct WebAppFiles: Sendable {
    /// One file as it is served.
    struct File: Sendable {
        let bytes: ByteBuffer
        let contentType: String
        /// A strong validator: the first 16 bytes of the content's SHA-256.
        let etag: String
    }

    /// What the app's file names may be: flat, lowercase, with a known extension (so no name reaches outside the
    /// folder, and every answer has a type a browser will not sniff).
    static let contentTypes: [String: String] = [
        "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8", "svg": "image/svg+xml", "png": "image/png",
        "ico": "image/x-icon", "webmanifest": "application/manifest+json",
    ]

    let index: File
    let files: [String: File]

    /// Reads the folder: `index.html` is required, `app/` holds the rest (files with other names are not served).
    public init(folder: String) throws(WebAppFilesError) {
        let root = URL(fileURLWithPath: folder, isDirectory: true)
        guard let page = FileManager.default.contents(atPath: root.appendingPathComponent("index.html").path) else {
            throw WebAppFilesError(message: "'\(folder)' has no index.html")
        }
        index = Self.file(page, type: "text/html; charset=utf-8")
        var files: [String: File] = [:]
        let app = root.appendingPathComponent("app", isDirectory: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: app.path)) ?? [] {
            guard let type = Self.contentType(of: name), let data = FileManager.default.contents(atPath: app.appendingPathComponent(name).path)
            else { continue }
            files[name] = Self.file(data, type: type)
        }
        self.files = files
    }

    /// The type a served name has, or nil when the name may not be served.
    public static func contentType(of name: String) -> String? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...64).contains(parts[0].count),
            parts[0].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
        else { return nil }
        return contentTypes[String(parts[1])]
    }

    private static func file(_ data: Data, type: String) -> File {
        let digest = SHA256.hash(data: data).prefix(16).map { String(format: "%02x", $0) }.joined()
        return File(bytes: ByteBuffer(bytes: data), contentType: type, etag: "\"\(digest)\"")
    }
}

/// The web app's folder could not be read.
public struct WebAppFilesError: Error, Sendable {
    public let message: String
}
