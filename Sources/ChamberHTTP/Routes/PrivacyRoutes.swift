import ChamberDomain
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A member's data theirs: exports (`/v1/chambers/{chamberId}/members/{userId}/data-exports`) and erasure
/// (`…/members/{userId}/erasure`, and `/v1/me/erasure` for one's own account everywhere).
struct PrivacyRoutes {
    let services: ChamberServices
    let membership: MembershipServices

    func register(on router: Router<AppRequestContext>) {
        let privacy = membership.privacy
        let member = router.group("v1/chambers/{chamberId}/members/{userId}").add(middleware: ChamberAccessMiddleware(services: services))

        member.post("data-exports") { request, context in
            let export = try await privacy.requestExport(try context.access(), of: try request.id("userId", context: context))
            return JSONResponse(.accepted, DataExportBody(export))
        }
        member.get("data-exports") { request, context in
            let exports = try await privacy.exports(try context.access(), of: try request.id("userId", context: context))
            return JSONResponse(.ok, ListBody(items: exports.map(DataExportBody.init)))
        }
        member.get("data-exports/{exportId}") { request, context in
            let export = try await privacy.export(
                try context.access(), of: try request.id("userId", context: context), id: try request.id("exportId", context: context))
            return JSONResponse(.ok, DataExportBody(export))
        }
        member.get("data-exports/{exportId}/archive") { request, context -> Response in
            let (export, bytes) = try await privacy.archive(
                try context.access(), of: try request.id("userId", context: context), id: try request.id("exportId", context: context))
            return Attachment.response(ByteBuffer(bytes: bytes), type: "application/zip", filename: "chamber-data-\(export.id.rawValue).zip")
        }
        member.post("erasure") { request, context in
            let body = try await APIJSON.decode(MemberErasureRequest.self, from: request, context: context)
            try await privacy.eraseMember(try context.access(), try request.id("userId", context: context), confirmEmail: body.confirmEmail)
            return Response(status: .noContent)
        }

        router.post("v1/me/erasure") { request, context in
            let body = try await APIJSON.decode(AccountErasureRequest.self, from: request, context: context)
            try await privacy.eraseOwnAccount(try context.identity(), password: body.password)
            return Response(status: .noContent)
        }
    }
}
