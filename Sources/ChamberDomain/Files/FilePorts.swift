import Foundation

/// Where files' bytes are kept: the local file system by default, or an S3-compatible object store. Keys are the
/// server's own (``StoredFile/key``); a store never sees a client's file name.
public protocol FileStore: Sendable {
    /// Stores `bytes` under `key` whole or not at all: a reader never sees part of a file.
    func put(_ bytes: [UInt8], key: String, contentType: String) async throws
    /// The bytes under `key`; nil when there are none.
    func get(key: String) async throws -> [UInt8]?
    /// Removes the bytes under `key`; removing what is not there is no error.
    func delete(key: String) async throws
}

/// The records of stored files. A file's id is unguessable, and a link to it is signed for its chamber.
public protocol FileRecordStore: Sendable {
    func insert(_ file: StoredFile) async throws
    func find(id: FileID) async throws -> StoredFile?
    /// False when there was no such file.
    func delete(id: FileID) async throws -> Bool
    /// Marks the message attachments uploaded before `cutoff` that a message of their channel names (published or
    /// held for review), so that no sweep looks at them again; returns how many it marked.
    func markNamedAttachments(uploadedBefore cutoff: Date, at: Date) async throws -> Int
    /// Marks the attachment `owner` uploaded to `channelID` as named by a send of theirs about to be stored, and
    /// returns it; nil when there is no such file. Once marked, no sweep of unsent files removes it: only deleting
    /// (or rejecting) its messages does.
    func claimAttachment(_ id: FileID, channelID: ChannelID, owner: UserID, at: Date) async throws -> StoredFile?
    /// Deletes the attachment's record if no send has claimed it; false when it was claimed (or gone).
    func deleteUnnamed(id: FileID) async throws -> Bool
    /// Whether a message of the attachment's channel (published, or held for review) names it now.
    func isNamed(_ file: FileID) async throws -> Bool
    /// Message attachments uploaded before `cutoff` that no message named when they were last looked at.
    func unnamedAttachments(uploadedBefore cutoff: Date, limit: Int) async throws -> [StoredFile]
}

/// The virus-scanning hook: every upload passes it before it is stored.
public protocol FileScanner: Sendable {
    func scan(_ bytes: [UInt8], contentType: FileContentType) async -> FileScan
}

/// The scanner when none is configured: every file is recorded as not scanned, so reviewers know.
public struct UnscannedFiles: FileScanner {
    public init() {}

    public func scan(_ bytes: [UInt8], contentType: FileContentType) async -> FileScan {
        FileScan(.notScanned, "no virus scanner is configured on this server")
    }
}
