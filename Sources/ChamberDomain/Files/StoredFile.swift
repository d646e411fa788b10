import Foundation

public typealias FileID = Identifier<StoredFile>

/// A file a chamber keeps: its bytes are in the ``FileStore`` under ``key``, this record says what they are.
public struct StoredFile: Sendable, Equatable, Codable {
    public let id: FileID
    /// The chamber the file belongs to; a link to it is signed for this chamber and no other.
    public let chamberID: ChamberID
    /// Who uploaded it.
    public let ownerID: UserID
    /// The channel a message attachment was uploaded to: whoever may read it may download the file. Nil for other files.
    public let channelID: ChannelID?
    public let kind: DocumentKind
    /// The name the uploader gave, cleaned of any path.
    public let name: String
    /// What the bytes are, found from the bytes themselves.
    public let contentType: FileContentType
    public let size: Int
    /// Lowercase hex SHA-256 of the bytes, for integrity and for spotting the same file twice.
    public let sha256: String
    public let scan: FileScan
    public let createdAt: Date

    public init(
        id: FileID, chamberID: ChamberID, ownerID: UserID, channelID: ChannelID? = nil, kind: DocumentKind, name: String,
        contentType: FileContentType, size: Int, sha256: String, scan: FileScan, createdAt: Date
    ) {
        self.id = id
        self.chamberID = chamberID
        self.ownerID = ownerID
        self.channelID = channelID
        self.kind = kind
        self.name = name
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
        self.scan = scan
        self.createdAt = createdAt
    }

    /// Where the bytes are kept: under the chamber's own prefix, named by ids we minted (never by a client's name).
    public var key: String { "chambers/\(chamberID.rawValue)/files/\(id.rawValue)" }
}

/// What a file is for: an application's documents (the review's checks look for a business license), or a file
/// attached to a message.
public enum DocumentKind: String, Sendable, Codable, CaseIterable {
    case businessLicense = "business_license"
    case insuranceCertificate = "insurance_certificate"
    case taxExemptionLetter = "tax_exemption_letter"
    case logo
    case other
    /// A file uploaded to a channel for a message; never one of an application's documents.
    case messageAttachment = "message_attachment"

    /// The kinds an application's documents may be.
    public static let applicationKinds: [DocumentKind] = allCases.filter { $0 != .messageAttachment }
}

/// What the virus-scanning hook said of a file.
public struct FileScan: Sendable, Equatable, Codable {
    public let status: FileScanStatus
    public let detail: String

    public init(_ status: FileScanStatus, _ detail: String) {
        self.status = status
        self.detail = detail
    }
}

/// The scanner's verdict on a file.
public enum FileScanStatus: String, Sendable, Codable {
    /// No scanner is configured, or it could not look: reviewers see the file was not scanned.
    case notScanned = "not_scanned"
    case clean
    /// Refused: an infected upload is never stored.
    case infected
}
