import Foundation

/// How big a file may be, and how long a link to one lasts.
public struct FileLimits: Sendable, Equatable {
    public var maxBytes: Int
    public var linkLifetime: TimeInterval

    /// How long a file uploaded for a message waits for a message to name it before it is removed.
    public var unsentAttachmentLifetime: TimeInterval

    public init(maxBytes: Int = 10 * 1024 * 1024, linkLifetime: TimeInterval = 900, unsentAttachmentLifetime: TimeInterval = 86_400) {
        self.maxBytes = maxBytes
        self.linkLifetime = linkLifetime
        self.unsentAttachmentLifetime = unsentAttachmentLifetime
    }
}

/// A signed, expiring address of one file: whoever holds it may download the file until it expires, and no other.
public struct FileLink: Sendable, Equatable {
    /// A path on this server: `/v1/files/{id}?expires=…&signature=…`.
    public let path: String
    public let expiresAt: Date
}

/// Keeps files for a chamber and hands them out by signed link.
///
/// An upload is checked by its bytes (type and size), passed to the virus-scanning hook, stored, then recorded:
/// bytes without a record are harmless, a record without bytes would not be. A link is an HMAC over the file's id,
/// its chamber and the expiry, so it cannot be pointed at another file or chamber, nor outlive its expiry.
public final class FileService: Sendable {
    private let records: any FileRecordStore
    private let bytes: any FileStore
    private let scanner: any FileScanner
    private let signer: any TextSigner
    private let hasher: any ContentHasher
    public let limits: FileLimits
    private let now: @Sendable () -> Date

    public init(
        records: any FileRecordStore, bytes: any FileStore, scanner: any FileScanner = UnscannedFiles(), signer: any TextSigner,
        hasher: any ContentHasher,
        limits: FileLimits = FileLimits(), now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.records = records
        self.bytes = bytes
        self.scanner = scanner
        self.signer = signer
        self.hasher = hasher
        self.limits = limits
        self.now = now
    }

    /// Checks, scans and keeps an upload as a file of `chamberID`'s.
    /// - Throws: `file_too_large`, `file_type_refused`, `file_infected`, `validation_failed` for an empty file.
    /// `channelID`: the channel a message attachment is uploaded to.
    public func keep(
        _ upload: FileUpload, kind: DocumentKind, chamberID: ChamberID, owner: UserID, channelID: ChannelID? = nil
    ) async throws -> StoredFile {
        guard !upload.bytes.isEmpty else { throw ChamberError(.validationFailed, "the file is empty", field: "file") }
        guard upload.bytes.count <= limits.maxBytes else {
            throw ChamberError(.fileTooLarge, "a file may be at most \(limits.maxBytes) bytes; this one is \(upload.bytes.count)", field: "file")
        }
        let type = try upload.checkedType(for: kind)
        let scan = await scanner.scan(upload.bytes, contentType: type)
        if scan.status == .infected {
            throw ChamberError(.fileInfected, "the virus scanner refused the file: \(scan.detail)", field: "file")
        }
        let file = StoredFile(
            id: .generate(), chamberID: chamberID, ownerID: owner, channelID: channelID, kind: kind, name: FileUpload.clean(upload.name),
            contentType: type,
            size: upload.bytes.count, sha256: hasher.sha256Hex(upload.bytes), scan: scan, createdAt: now())
        try await bytes.put(upload.bytes, key: file.key, contentType: type.rawValue)
        do {
            try await records.insert(file)
        } catch {
            try? await bytes.delete(key: file.key)
            throw error
        }
        return file
    }

    /// Forgets a file: the record first, so no link reaches bytes about to go.
    public func remove(_ file: StoredFile) async throws {
        _ = try await records.delete(id: file.id)
        try await bytes.delete(key: file.key)
    }

    /// Removes the files uploaded for messages that no message named within ``FileLimits/unsentAttachmentLifetime``
    /// (picked, then never sent); returns how many. `cutoff` replaces the lifetime (tests).
    public func removeUnsentAttachments(uploadedBefore cutoff: Date? = nil) async throws -> Int {
        let cutoff = cutoff ?? now().addingTimeInterval(-limits.unsentAttachmentLifetime)
        _ = try await records.markNamedAttachments(uploadedBefore: cutoff, at: now())
        var removed = 0
        while true {
            let unsent = try await records.unnamedAttachments(uploadedBefore: cutoff, limit: 200)
            // Only if still unclaimed: a send may have named it since it was listed (its claim keeps it).
            for file in unsent where try await records.deleteUnnamed(id: file.id) {
                try await bytes.delete(key: file.key)
                removed += 1
            }
            if unsent.count < 200 { return removed }
        }
    }

    /// The attachment `id` that `owner` uploaded to `channelID`, marked as named by their send about to be stored;
    /// nil when there is no such file.
    public func claimAttachment(_ id: FileID, channelID: ChannelID, owner: UserID) async throws -> StoredFile? {
        try await records.claimAttachment(id, channelID: channelID, owner: owner, at: now())
    }

    /// Whether a message (published, or held for review) names the attachment now.
    public func isNamed(_ file: StoredFile) async throws -> Bool {
        try await records.isNamed(file.id)
    }

    /// The record of file `id`, if there is one.
    public func file(_ id: FileID) async throws -> StoredFile? {
        try await records.find(id: id)
    }

    /// The bytes of `file`; nil when they are gone.
    public func contents(of file: StoredFile) async throws -> [UInt8]? {
        try await bytes.get(key: file.key)
    }

    /// A link to `file` valid for ``FileLimits/linkLifetime`` from now.
    public func link(to file: StoredFile) -> FileLink {
        let expires = Int64((now().timeIntervalSince1970 + limits.linkLifetime).rounded(.up))
        let signature = signer.signature(of: Self.signed(file.id, file.chamberID, expires))
        return FileLink(
            path: "/v1/files/\(file.id.rawValue)?expires=\(expires)&signature=\(signature)",
            expiresAt: Date(timeIntervalSince1970: TimeInterval(expires)))
    }

    /// The file and its bytes, for a link this server signed and that has not expired.
    /// - Throws: `file_link_invalid` for a link not ours (or for a file that is not there: the two look alike, so a
    ///   link says nothing of other files), `file_link_expired` for one past its time.
    public func open(id rawID: String, expires: String?, signature: String?) async throws -> (file: StoredFile, bytes: [UInt8]) {
        let invalid = ChamberError(.fileLinkInvalid, "this file link is not one of ours")
        guard let id = FileID(validating: rawID), let expires = expires.flatMap({ Int64($0) }), let signature, signature.utf8.count <= 128,
            let file = try await records.find(id: id), ConstantTime.equal(signer.signature(of: Self.signed(id, file.chamberID, expires)), signature)
        else { throw invalid }
        guard now().timeIntervalSince1970 <= TimeInterval(expires) else {
            throw ChamberError(.fileLinkExpired, "this file link expired; ask for the file again for a fresh one")
        }
        guard let stored = try await bytes.get(key: file.key) else { throw invalid }
        return (file, stored)
    }

    private static func signed(_ id: FileID, _ chamber: ChamberID, _ expires: Int64) -> String {
        "file.\(chamber.rawValue).\(id.rawValue).\(expires)"
    }
}
