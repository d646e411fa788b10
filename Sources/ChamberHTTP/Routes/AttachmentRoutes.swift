import ChamberDomain
import Hummingbird

/// Files attached to messages: uploaded to a channel (`POST /v1/chambers/{chamberId}/channels/{channelId}/files`),
/// downloaded with a token by whoever may read that channel (`GET /v1/chambers/{chamberId}/files/{fileId}`).
struct AttachmentRoutes {
    let services: ChamberServices
    let attachments: MessageAttachments
    let maxBytes: Int

    func register(on router: Router<AppRequestContext>) {
        let (attachments, maxBytes) = (self.attachments, self.maxBytes)
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))
        chamber.post("channels/{channelId}/files") { request, context in
            let channelID: ChannelID = try request.id("channelId", context: context)
            let upload = try await StoredFileTransfer.upload(request, maxBytes: maxBytes, defaultName: "file")
            let file = try await attachments.upload(try context.access(), channelID: channelID, upload)
            return JSONResponse(.created, UploadedAttachmentBody(file))
        }
        chamber.get("files/{fileId}") { request, context -> Response in
            let (file, bytes) = try await attachments.download(try context.access(), id: try request.id("fileId", context: context))
            return StoredFileTransfer.download(file, bytes)
        }
    }
}
