import ChamberDomain
import Foundation

/// A member's data export as its member and the chamber's admins see it.
struct DataExportBody: Encodable {
    let id: String
    let chamberId: String
    let userId: String
    let requestedBy: String
    let status: String
    let requestedAt: Date
    let readyAt: Date?
    let expiresAt: Date?
    let size: Int?
    let failure: String?
    /// Where a ready archive is downloaded (with the same credentials).
    let archivePath: String?

    init(_ export: DataExport) {
        id = export.id.rawValue
        chamberId = export.chamberID.rawValue
        userId = export.userID.rawValue
        requestedBy = export.requestedBy.rawValue
        status = export.status.rawValue
        requestedAt = export.requestedAt
        readyAt = export.readyAt
        expiresAt = export.expiresAt
        size = export.size
        failure = export.failure
        archivePath =
            export.status == .ready
            ? "/v1/chambers/\(export.chamberID.rawValue)/members/\(export.userID.rawValue)/data-exports/\(export.id.rawValue)/archive" : nil
    }
}

/// `POST …/members/{userId}/erasure`: the member's e-mail address, typed again.
struct MemberErasureRequest: Decodable {
    let confirmEmail: String
}

/// `POST /v1/me/erasure`: the caller's password.
struct AccountErasureRequest: Decodable {
    let password: String
}

/// An archive of what a chamber's retention removed.
struct RetentionArchiveBody: Encodable {
    let id: String
    let kind: String
    let from: Date
    let to: Date
    let count: Int
    let size: Int
    let createdAt: Date

    init(_ archive: RetentionArchive) {
        id = archive.id
        kind = archive.kind.rawValue
        from = archive.from
        to = archive.to
        count = archive.count
        size = archive.size
        createdAt = archive.createdAt
    }
}
