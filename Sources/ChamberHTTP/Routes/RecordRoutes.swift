import ChamberDomain
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A chamber's members in bulk: `POST /v1/chambers/{chamberId}/imports/members` (a CSV file; `dry_run=true` only
/// checks it) and `GET …/exports/members` (CSV or JSON, the same columns).
struct RecordRoutes {
    let services: ChamberServices
    let records: MemberRecordsService

    /// The largest file an import takes: 5,000 rows of a few hundred bytes each, with room to spare.
    static let maxImportBytes = 5 * 1024 * 1024

    func register(on router: Router<AppRequestContext>) {
        let (records, chambers) = (records, services.chambers)
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))

        chamber.post("imports/members") { request, context in
            let access = try context.access()
            let dryRun: Bool
            switch request.uri.queryParameters.get("dry_run").map({ String($0) }) {
            case nil, "false": dryRun = false
            case "true": dryRun = true
            case let other?: throw ChamberError(.validationFailed, "dry_run is true or false, not '\(other.prefix(20))'", field: "dry_run")
            }
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: Self.maxImportBytes)
            } catch is NIOTooManyBytesError {
                throw ChamberError(.payloadTooLarge, "an import file may be at most \(Self.maxImportBytes) bytes; split it")
            }
            guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
                throw ChamberError(.validationFailed, "the file is not UTF-8 text; save the spreadsheet as CSV UTF-8", field: "file")
            }
            let report = try await records.importMembers(access, csv: text, dryRun: dryRun)
            let status: HTTPResponse.Status = report.written ? .created : (dryRun ? .ok : .unprocessableContent)
            return JSONResponse(status, ImportReportBody(report))
        }

        chamber.get("exports/members") { request, context -> Response in
            let access = try context.access()
            let format = try TableDownload.format(request)
            let rows = try await records.export(access)
            let slug = try await chambers.chamber(access).slug
            return try TableDownload.response(rows, format: format, name: "members-\(slug)-\(MemberRecord.day(Date()))")
        }
    }
}
