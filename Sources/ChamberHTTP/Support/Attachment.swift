import HTTPTypes
import Hummingbird
import NIOCore

/// A download the browser saves rather than shows: the exports, archives and calendar files share it.
enum Attachment {
    /// `body` as `type`, saved as `filename` (ASCII, made by the server), with `cacheControl` (by default kept by no
    /// cache, members' data being in most of them).
    static func response(_ body: ByteBuffer, type: String, filename: String, cacheControl: String = "private, no-store") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        headers[.cacheControl] = cacheControl
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}
