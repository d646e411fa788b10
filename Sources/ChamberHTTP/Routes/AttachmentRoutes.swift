import ChamberDomain
import Hummingbird

/// Files attached to messages: uploaded to a channel (`POST /v1/chambers/{chamberId}/channels/{channelId}/files`),
/// downloaded with a token by whoever may read that channel (`GET /v1/chambers/{chamberId}/files/{fileId}`).
struct AttachmentRoutes {
    let services: ChamberServices
    let chat: ChatService

    func register(on router: Router<AppRequestContext>) {
        let chat = self.chat
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))
        chamber.post("channels/{channelId}/files") { request, context in
            let (access, channelID): (ChamberAccess, ChannelID) = (try context.access(), try request.id("channelId", context: context))
            // Refused before its bytes are read: a caller who may not post learns that, not the upload's size limit.
            try await chat.checkUpload(access, channelID: channelID)
            let upload = try await StoredFileTransfer.upload(request, maxBytes: chat.maxFileBytes, defaultName: "file")
            return JSONResponse(.created, UploadedAttachmentBody(try await chat.upload(access, channelID: channelID, upload)))
        }
        chamber.get("files/{fileId}") { request, context -> Response in
            let (file, bytes) = try await chat.download(try context.access(), fileID: try request.id("fileId", context: context))
            return StoredFileTransfer.download(file, bytes)
        }
    }
}
