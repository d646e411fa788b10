import Foundation

/// Files members attach to messages: uploaded to a channel by whoever may post there, named by a message of their
/// uploader in that channel, downloaded by whoever may read it, and removed with the message. A message names such a
/// file by its path on this server (``attachmentPath(of:)``), so the link outlives any signature and a reader's right
/// to it is checked at each download, against the channel the file was uploaded to.
extension ChatService {
    /// The largest file a member may upload (`files.max_bytes`).
    public var maxFileBytes: Int { files.limits.maxBytes }

    /// The channel an upload may go to: readable, and postable by the caller now.
    /// - Throws: `channel_not_found` (a channel the caller cannot read), and the refusals a send would get
    ///   (`channel_archived`, `channel_locked`, `forbidden`, `user_muted`, `user_banned`).
    public func checkUpload(_ access: ChamberAccess, channelID: ChannelID) async throws {
        let channel = try await readableChannel(access, channelID)
        try await requirePosting(access, channel, at: now(), slowMode: false)
    }

    /// Checks, scans and keeps `upload` for a message in `channelID`, under the rules of posting there.
    /// - Throws: what ``checkUpload(_:channelID:)`` throws, and the file checks' errors (`file_too_large`,
    ///   `file_type_refused`, `file_infected`, `validation_failed` for an empty file).
    public func upload(_ access: ChamberAccess, channelID: ChannelID, _ upload: FileUpload) async throws -> StoredFile {
        try await checkUpload(access, channelID: channelID)
        return try await files.keep(upload, kind: .messageAttachment, chamberID: access.chamberID, owner: access.userID, channelID: channelID)
    }

    /// The file and its bytes, for a caller who may read the channel it was uploaded to, or who reviews the chamber's
    /// messages while a pending review item is about a message carrying it (moderators need not be in the channel).
    /// - Throws: `file_not_found` for a file that is not there, not this chamber's, or not the caller's to read: the
    ///   three look alike.
    public func download(_ access: ChamberAccess, fileID: FileID) async throws -> (file: StoredFile, bytes: [UInt8]) {
        let notFound = ChamberError(.fileNotFound, "no file \(fileID) that you can read")
        guard let file = try await files.file(fileID), file.chamberID == access.chamberID, file.kind == .messageAttachment,
            let channelID = file.channelID
        else { throw notFound }
        do {
            _ = try await readableChannel(access, channelID)
        } catch let error as ChamberError where error.code == .channelNotFound {
            guard access.can(.view, .moderation),
                try await store.scoped(to: access.chamberID).moderation.pendingItemNames(fileID, channelID: channelID)
            else { throw notFound }
        }
        guard let bytes = try await files.contents(of: file) else { throw notFound }
        return (file, bytes)
    }

    /// Where a message names `file`: a path on this server, resolved by clients against its address.
    public static func attachmentPath(of file: StoredFile) -> String {
        "/v1/chambers/\(file.chamberID.rawValue)/files/\(file.id.rawValue)"
    }

    /// The file a message's attachment `url` names, when it is a path on this server (of `chamberID`'s, when given).
    static func fileID(in url: String, chamberID: ChamberID?) -> FileID? {
        let parts = url.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].isEmpty, parts[1] == "v1", parts[2] == "chambers", parts[4] == "files",
            let chamber = ChamberID(validating: String(parts[3])), chamberID.map({ $0 == chamber }) ?? true
        else { return nil }
        return FileID(validating: String(parts[5]))
    }

    /// The attachments with those kept by this server described by the files themselves, under their canonical path;
    /// each must be the sender's upload to this channel. Reads nothing for a message without such files.
    func kept(_ attachments: [Attachment], channelID: ChannelID, sender: UserID) async throws -> [Attachment] {
        var described: [Attachment] = []
        for attachment in attachments {
            guard let id = Self.fileID(in: attachment.url, chamberID: nil) else {
                described.append(attachment)
                continue
            }
            // Claimed first, in one statement: a sweep of unsent files can no longer take it from under the send.
            guard let file = try await files.claimAttachment(id, channelID: channelID, owner: sender) else {
                throw ChamberError(
                    .validationFailed, "attachment \(attachment.url) is no file you uploaded to this channel", field: "attachments.url")
            }
            described.append(
                Attachment(url: Self.attachmentPath(of: file), contentType: file.contentType.rawValue, size: Int64(file.size), name: file.name))
        }
        return described
    }

    /// Removes the files of ours that a deleted message named and no other message names (its author may have sent
    /// one file twice). A removal that fails leaves a file no message names any more, not a failed deletion.
    func removeFiles(of attachments: [Attachment], in chamberID: ChamberID) async {
        for attachment in attachments {
            guard let id = Self.fileID(in: attachment.url, chamberID: chamberID), let file = try? await files.file(id),
                file.kind == .messageAttachment, (try? await files.isNamed(file)) == false
            else { continue }
            try? await files.remove(file)
        }
    }
}
