import ChamberDomain
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A table (its first row names the columns) downloaded as CSV, or as JSON objects by column name: the exports share it.
enum TableDownload {
    /// The `format` query parameter: `csv` (the default) or `json`.
    static func format(_ request: Request) throws(ChamberError) -> String {
        let format = request.uri.queryParameters.get("format").map { String($0) } ?? "csv"
        guard format == "csv" || format == "json" else { throw ChamberError(.validationFailed, "format is csv or json", field: "format") }
        return format
    }

    /// The download as an attachment named `name` plus the format's extension, never cached.
    static func response(_ rows: [[String]], format: String, name: String) throws -> Response {
        var headers = HTTPFields()
        headers[.contentDisposition] = "attachment; filename=\"\(name).\(format)\""
        headers[.cacheControl] = "private, no-store"
        if format == "json" {
            let columns = rows.first ?? []
            let items = rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(columns, $0)) }
            let data = try JSONSerialization.data(withJSONObject: ["items": items], options: [.sortedKeys])
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        headers[.contentType] = "text/csv; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: rows.map(CSV.line).joined())))
    }
}
