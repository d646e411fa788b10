import Foundation

/// Files members attach to messages: uploaded to a channel by whoever may post there, downloaded by whoever may read
/// it. A message names such a file by its path on this server (``path(of:)``), so the link outlives any signature and
/// a reader's right to it is checked at each download, against the channel the file was uploaded to.
public final class MessageAttachments: Sendable {
    private let chat: ChatService
    private let files: FileService

    public init(chat: ChatService, files: FileService) {
        self.chat = chat
        self.files = files
    }

    /// Checks, scans and keeps `upload` for a message in `channelID`, under the rules of posting there.
    /// - Throws: `channel_not_found` (a channel the caller cannot read), the refusals a send would get
    ///   (`channel_archived`, `channel_locked`, `forbidden`, `user_muted`, `user_banned`), and the file checks'
    ///   (`file_too_large`, `file_type_refused`, `file_infected`, `validation_failed` for an empty file).
    public func upload(_ access: ChamberAccess, channelID: ChannelID, _ upload: FileUpload) async throws -> StoredFile {
        let channel = try await chat.readableChannel(access, channelID)
        try chat.requireWrite(access, channel)
        try access.require(.chat)
        try await chat.requireStanding(access, channel, at: Date(), slowMode: false)
        return try await files.keep(upload, kind: .messageAttachment, chamberID: access.chamberID, owner: access.userID, channelID: channelID)
    }

    /// The file and its bytes, for a caller who may read the channel it was uploaded to.
    /// - Throws: `file_not_found` for a file that is not there, not this chamber's, or in a channel the caller cannot
    ///   read: the three look alike.
    public func download(_ access: ChamberAccess, id: FileID) async throws -> (file: StoredFile, bytes: [UInt8]) {
        let notFound = ChamberError(.fileNotFound, "no file \(id) that you can read")
        guard let file = try await files.file(id), file.chamberID == access.chamberID, file.kind == .messageAttachment,
            let channelID = file.channelID
        else { throw notFound }
        do {
            _ = try await chat.readableChannel(access, channelID)
        } catch let error as ChamberError where error.code == .channelNotFound {
            throw notFound
        }
        guard let bytes = try await files.contents(of: file) else { throw notFound }
        return (file, bytes)
    }

    /// Where a message names `file`: a path on this server, resolved by clients against its address.
    public static func path(of file: StoredFile) -> String {
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
}
