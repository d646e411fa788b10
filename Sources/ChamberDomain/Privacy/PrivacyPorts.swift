import Foundation

/// One part of what a chamber holds about a person: a file of the export, `<name>.json`, holding `rows`.
public struct PersonalDataSection: Sendable, Equatable {
    public let name: String
    /// What the part is, in words, for the export's index.
    public let about: String
    public let rows: [JSONValue]

    public init(name: String, about: String, rows: [JSONValue]) {
        self.name = name
        self.about = about
        self.rows = rows
    }
}

/// What a chamber holds about one person, read for their export.
public protocol PersonalDataStore: Sendable {
    /// Every section of the person's data in this chamber; with `includingAccount`, the account's own too (its
    /// sign-ins and devices, which are no chamber's: for the person's own request only). Secrets (password and token
    /// hashes, second-factor secrets, check-in codes, the card processor's references) are never among them.
    func sections(of user: UserID, includingAccount: Bool) async throws -> [PersonalDataSection]
    /// The records of the files the person uploaded to this chamber, whose bytes go into the export too.
    func files(of user: UserID) async throws -> [StoredFile]
}

/// One chamber's export requests.
public protocol DataExportStore: Sendable {
    /// Records a new pending export; answers it, or the pending one another request recorded first (one waits per
    /// member and chamber).
    func insertPending(_ export: DataExport) async throws -> DataExport
    func find(id: DataExportID) async throws -> DataExport?
    /// The person's exports in this chamber, newest first.
    func list(of user: UserID) async throws -> [DataExport]
    /// The person's pending export in this chamber, if one waits.
    func pending(of user: UserID) async throws -> DataExport?
}

/// Export requests as the nodes' background workers take them, across chambers.
public protocol DataExportQueue: Sendable {
    /// Takes a pending export no other node holds, for `lease` seconds; nil when none waits.
    func claim(now: Date, lease: TimeInterval) async throws -> DataExport?
    /// Records a claimed export as prepared. False when it is no longer pending (another node finished it).
    func finish(_ id: DataExportID, size: Int, at: Date, expiresAt: Date) async throws -> Bool
    /// Records that preparing a claimed export failed.
    func fail(_ id: DataExportID, reason: String, at: Date) async throws
    /// Ready exports whose time is up, at most `limit`; ``expire(_:)`` records each once its archive is removed.
    func dueToExpire(now: Date, limit: Int) async throws -> [DataExport]
    func expire(_ id: DataExportID) async throws
}

/// What an erasure changed, for what the database cannot do itself.
public struct ErasedAccount: Sendable, Equatable {
    /// The chambers the person belonged to, each of which records the erasure in its audit log.
    public let chambers: [ChamberID]
    /// The person's uploads and export archives, whose records are gone and whose bytes are to be removed.
    public let files: [StoredFile]
    public let exports: [DataExport]
    /// The sessions that ended, whose live sockets close.
    public let sessions: [SessionID]

    public init(chambers: [ChamberID], files: [StoredFile], exports: [DataExport], sessions: [SessionID]) {
        self.chambers = chambers
        self.files = files
        self.exports = exports
        self.sessions = sessions
    }

    /// Where the bytes to remove are kept.
    public var fileKeys: [String] { files.map(\.key) + exports.map(\.archiveKey) }
}

/// Erasing an account, across chambers: in one transaction, so that a failure leaves the account whole.
public protocol AccountErasureStore: Sendable {
    /// Removes or anonymises the person's personal data everywhere (see `Protocol/openapi.yaml`, `eraseOwnAccount`):
    /// the account keeps its id, so that messages and financial records keep their author, shown as "A former
    /// member". With `confinedTo`, refuses with `erasure_refused` while another chamber holds the person's data
    /// (checked in the same transaction). Refuses with `last_admin` when the person is the only admin of a chamber.
    /// Erasing an erased account changes nothing.
    func erase(_ user: UserID, formerName: String, at: Date, confinedTo chamber: ChamberID?) async throws -> ErasedAccount
}
