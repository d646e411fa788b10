import Foundation

/// How long a chamber keeps its members' messages and its audit log; nil: for good. Older ones are archived to a
/// file the chamber's admins can download, then removed.
public struct RetentionPolicy: Sendable, Equatable, Codable {
    public var messagesDays: Int?
    public var auditDays: Int?

    /// The shortest and longest a chamber may keep either.
    public static let allowedDays = 30...36_500

    public init(messagesDays: Int? = nil, auditDays: Int? = nil) {
        self.messagesDays = messagesDays
        self.auditDays = auditDays
    }

    /// Checks a number of days. - Throws: `validation_failed` naming `field` outside ``allowedDays``.
    public static func days(_ days: Int?, field: String) throws(ChamberError) -> Int? {
        guard let days else { return nil }
        guard allowedDays.contains(days) else {
            throw ChamberError(
                .validationFailed, "keep for \(allowedDays.lowerBound) to \(allowedDays.upperBound) days, or null for good", field: field)
        }
        return days
    }

    /// How long `kind` is kept.
    public func days(of kind: RetentionKind) -> Int? {
        switch kind {
        case .messages: messagesDays
        case .audit: auditDays
        }
    }
}

/// What a chamber keeps for a time.
public enum RetentionKind: String, Sendable, Codable, CaseIterable {
    case messages
    case audit
}

/// A file of rows removed by a chamber's retention: newline-delimited JSON, a row a line, as stored.
public struct RetentionArchive: Sendable, Equatable {
    /// `<kind>-<the first row's id>-<a checksum of every row's id>`.
    public let id: String
    public let chamberID: ChamberID
    public let kind: RetentionKind
    /// The oldest and newest row's time.
    public let from: Date
    public let to: Date
    public let count: Int
    public let size: Int
    public let createdAt: Date

    public init(id: String, chamberID: ChamberID, kind: RetentionKind, from: Date, to: Date, count: Int, size: Int, createdAt: Date) {
        self.id = id
        self.chamberID = chamberID
        self.kind = kind
        self.from = from
        self.to = to
        self.count = count
        self.size = size
        self.createdAt = createdAt
    }

    /// Where its bytes are kept: under the chamber's own prefix.
    public var key: String { "chambers/\(chamberID.rawValue)/archives/\(id)" }
}

/// Rows past their time, oldest first (audit entries by time; messages channel by channel, by sequence): what one
/// batch of a retention run archives.
public struct ExpiredRows: Sendable {
    public let ids: [String]
    /// Each row as stored, as JSON.
    public let rows: [JSONValue]
    public let from: Date
    public let to: Date

    public init(ids: [String], rows: [JSONValue], from: Date, to: Date) {
        self.ids = ids
        self.rows = rows
        self.from = from
        self.to = to
    }
}

/// One chamber's rows past their time, and the archives made of them.
public protocol RetentionStore: Sendable {
    /// In one transaction: reads the oldest rows of `kind` from before `cutoff` (at most `limit`), held against
    /// changes and other nodes until it ends; hands them to `write`, which keeps the archive's file; records the
    /// archive; removes the rows. Nothing is removed that is not in a file, and no edit made meanwhile is lost.
    /// Returns how many rows were removed: 0 when none had expired.
    func sweep(
        _ kind: RetentionKind, before cutoff: Date, limit: Int, write: @Sendable (ExpiredRows) async throws -> RetentionArchive
    ) async throws -> Int
    /// The chamber's archives, newest first.
    func archives() async throws -> [RetentionArchive]
    func find(archive id: String) async throws -> RetentionArchive?
}
