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
        if format == "json" {
            let columns = rows.first ?? []
            let items = rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(columns, $0)) }
            let data = try JSONSerialization.data(withJSONObject: ["items": items], options: [.sortedKeys])
            return Attachment.response(ByteBuffer(bytes: data), type: "application/json", filename: "\(name).\(format)")
        }
        return Attachment.response(ByteBuffer(string: rows.map(CSV.line).joined()), type: "text/csv; charset=utf-8", filename: "\(name).\(format)")
    }
}
