import ChamberDomain
import Foundation

/// A stored document as an application shows it.
struct DocumentBody: Encodable {
    let id: String
    let kind: String
    let name: String
    let contentType: String
    let size: Int
    let sha256: String
    /// `not_scanned` (no scanner configured) or `clean`; an infected upload is never stored.
    let scanStatus: String
    let scanDetail: String
    let uploadedAt: Date

    init(_ file: StoredFile) {
        id = file.id.rawValue
        kind = file.kind.rawValue
        name = file.name
        contentType = file.contentType.rawValue
        size = file.size
        sha256 = file.sha256
        scanStatus = file.scan.status.rawValue
        scanDetail = file.scan.detail
        uploadedAt = file.createdAt
    }
}

/// The answer to an upload: the document, and the application that now carries it.
struct AttachedDocumentBody: Encodable {
    let document: DocumentBody
    let application: ApplicationBody
}

/// A signed, expiring link to one file.
struct FileLinkBody: Encodable {
    /// A path on this server; it needs no token.
    let url: String
    let expiresAt: Date

    init(_ link: FileLink) {
        url = link.path
        expiresAt = link.expiresAt
    }
}

/// A file uploaded for a message: `url`, `content_type`, `size` and `name` go into a send's attachments.
struct UploadedAttachmentBody: Encodable {
    let id: String
    /// A path on this server, downloaded with a token by whoever may read the channel.
    let url: String
    let contentType: String
    let size: Int
    let name: String
    let sha256: String
    let scanStatus: String
    let uploadedAt: Date

    init(_ file: StoredFile) {
        id = file.id.rawValue
        url = ChatService.attachmentPath(of: file)
        contentType = file.contentType.rawValue
        size = file.size
        name = file.name
        sha256 = file.sha256
        scanStatus = file.scan.status.rawValue
        uploadedAt = file.createdAt
    }
}
