import ChamberDomain
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Files in and out: an upload is the request's raw body (not multipart), a download the bytes under the type the
/// server found in them. Applications' documents and messages' attachments go through here.
enum StoredFileTransfer {
    /// The request's body as an upload named by the `name` query parameter (`defaultName` without one), its declared
    /// `Content-Type` kept for the checks.
    /// - Throws: `file_too_large` past `maxBytes`, before reading the rest.
    static func upload(_ request: Request, maxBytes: Int, defaultName: String) async throws -> FileUpload {
        let bytes: ByteBuffer
        do {
            bytes = try await request.body.collect(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw ChamberError(.fileTooLarge, "a file may be at most \(maxBytes) bytes", field: "file")
        }
        return FileUpload(
            bytes: Array(bytes.readableBytesView), name: request.uri.queryParameters.get("name").map { String($0) } ?? defaultName,
            declaredType: request.headers[.contentType])
    }

    /// `bytes` as `file`'s type, saved under its name.
    static func download(_ file: StoredFile, _ bytes: [UInt8]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = file.contentType.rawValue
        headers[.contentDisposition] = attachment(file.name)
        // The browser must take the type we found in the bytes, and nothing between may keep a copy.
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[.cacheControl] = "private, no-store"
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; sandbox"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `attachment` with the name twice (RFC 6266): ASCII for every client, UTF-8 for those that read `filename*`.
    static func attachment(_ name: String) -> String {
        let ascii = String(name.unicodeScalars.map { $0.isASCII ? Character($0) : "_" })
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}
