import ChamberDomain
import Hummingbird

/// Files: an applicant's documents (`/v1/applications/{applicationId}/documents`), reviewers' links to them
/// (`/v1/chambers/{chamberId}/applications/{applicationId}/documents/{documentId}/link`), and the download a signed
/// link leads to (`/v1/files/{fileId}`), which needs no token: the link's signature is the permission.
struct DocumentRoutes {
    let services: ChamberServices
    let membership: MembershipServices

    func register(on router: Router<AppRequestContext>) {
        let (applications, files) = (membership.applications, membership.files)

        router.post("v1/applications/{applicationId}/documents") { request, context in
            let identity = try context.identity()
            let id: ApplicationID = try request.id("applicationId", context: context)
            let query = request.uri.queryParameters
            guard let rawKind = query.get("kind"), let kind = DocumentKind(rawValue: String(rawKind)) else {
                throw ChamberError(
                    .validationFailed, "kind is one of \(DocumentKind.applicationKinds.map(\.rawValue).joined(separator: ", "))", field: "kind")
            }
            let upload = try await StoredFileTransfer.upload(request, maxBytes: files.limits.maxBytes, defaultName: "document")
            let application = try await applications.attach(identity, id: id, kind: kind, upload)
            guard let document = application.steps.documents.last else { throw ChamberError(.internalError, "the document was not attached") }
            return JSONResponse(
                .created, AttachedDocumentBody(document: DocumentBody(document), application: ApplicationBody(application, forApplicant: true)))
        }
        router.delete("v1/applications/{applicationId}/documents/{documentId}") { request, context in
            let application = try await applications.detach(
                try context.identity(), id: try request.id("applicationId", context: context),
                document: try request.id("documentId", context: context))
            return JSONResponse(.ok, ApplicationBody(application, forApplicant: true))
        }
        router.get("v1/applications/{applicationId}/documents/{documentId}/link") { request, context in
            JSONResponse(
                .ok,
                FileLinkBody(
                    try await applications.documentLink(
                        try context.identity(), id: try request.id("applicationId", context: context),
                        document: try request.id("documentId", context: context))))
        }
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))
        chamber.get("applications/{applicationId}/documents/{documentId}/link") { request, context in
            JSONResponse(
                .ok,
                FileLinkBody(
                    try await applications.documentLink(
                        try context.access(), id: try request.id("applicationId", context: context),
                        document: try request.id("documentId", context: context))))
        }

        router.get("v1/files/{fileId}") { request, context -> Response in
            let query = request.uri.queryParameters
            let expires: String? = query.get("expires").map { String($0) }
            let signature: String? = query.get("signature").map { String($0) }
            let (file, bytes) = try await files.open(id: context.parameters.get("fileId") ?? "", expires: expires, signature: signature)
            return StoredFileTransfer.download(file, bytes)
        }
    }
}
