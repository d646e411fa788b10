import ChamberDomain
import HTTPTypes
import Hummingbird
import NIOCore

/// `/v1/chambers/{chamberId}/archives`: what the chamber's retention removed, as files its admins download.
struct RetentionRoutes {
    let services: ChamberServices
    let membership: MembershipServices

    func register(on router: Router<AppRequestContext>) {
        let retention = membership.retention
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))
        chamber.get("archives") { _, context in
            JSONResponse(.ok, ListBody(items: try await retention.archives(try context.access()).map(RetentionArchiveBody.init)))
        }
        chamber.get("archives/{archiveId}") { _, context -> Response in
            let (archive, bytes) = try await retention.download(try context.access(), id: context.parameters.get("archiveId") ?? "")
            return Attachment.response(ByteBuffer(bytes: bytes), type: "application/x-ndjson", filename: "\(archive.id).ndjson")
        }
    }
}
