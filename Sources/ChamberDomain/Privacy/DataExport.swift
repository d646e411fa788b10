import Foundation

public typealias DataExportID = Identifier<DataExport>

/// A member's request for everything a chamber holds about them, and the archive that answers it.
public struct DataExport: Sendable, Equatable {
    public let id: DataExportID
    public let chamberID: ChamberID
    /// Whose data it is.
    public let userID: UserID
    /// Who asked: the member, or one of the chamber's admins for them.
    public let requestedBy: UserID
    public var status: DataExportStatus
    public let requestedAt: Date
    public var readyAt: Date?
    /// When the archive is removed; a ready export can be downloaded until then.
    public var expiresAt: Date?
    /// The archive's size in bytes, once ready.
    public var size: Int?
    /// Why preparing it failed, when it did.
    public var failure: String?

    public init(
        id: DataExportID, chamberID: ChamberID, userID: UserID, requestedBy: UserID, status: DataExportStatus = .pending, requestedAt: Date,
        readyAt: Date? = nil, expiresAt: Date? = nil, size: Int? = nil, failure: String? = nil
    ) {
        self.id = id
        self.chamberID = chamberID
        self.userID = userID
        self.requestedBy = requestedBy
        self.status = status
        self.requestedAt = requestedAt
        self.readyAt = readyAt
        self.expiresAt = expiresAt
        self.size = size
        self.failure = failure
    }

    /// Where the archive's bytes are kept: under the chamber's own prefix, named by the export's id.
    public var archiveKey: String { "chambers/\(chamberID.rawValue)/exports/\(id.rawValue)" }
}

/// Where an export is in its life.
public enum DataExportStatus: String, Sendable, Codable, CaseIterable {
    /// Asked for; a node prepares it in the background.
    case pending
    /// The archive can be downloaded until the export's `expiresAt`.
    case ready
    /// Preparing it failed; `failure` says why. Asking again makes a new one.
    case failed
    /// The archive was removed after its time.
    case expired
}
