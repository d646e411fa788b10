import ChamberDomain
import Foundation

/// Files on the local file system, under one folder (by default `data/files`, beside the SQLite database).
///
/// A file is written to a temporary name in its own folder, flushed, then renamed into place, so a reader (or a
/// crash) never finds half a file. Keys are the server's own; anything that could climb out of the folder is refused.
public struct LocalFileStore: FileStore {
    public let root: URL

    public init(root: String) throws {
        self.root = URL(fileURLWithPath: root, isDirectory: true).standardizedFileURL
        try FileManager.default.createDirectory(at: self.root, withIntermediateDirectories: true)
    }

    public func put(_ bytes: [UInt8], key: String, contentType: String) async throws {
        let target = try url(for: key)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(UUID().uuidString).partial")
        do {
            let handle = try createFile(temporary)
            defer { try? handle.close() }
            try handle.write(contentsOf: bytes)
            try handle.synchronize()
            // rename(2) replaces the file in one step; FileManager's move refuses an existing one.
            guard rename(temporary.path, target.path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    public func get(key: String) async throws -> [UInt8]? {
        let target = try url(for: key)
        guard FileManager.default.fileExists(atPath: target.path) else { return nil }
        return Array(try Data(contentsOf: target))
    }

    public func delete(key: String) async throws {
        let target = try url(for: key)
        if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
    }

    private func createFile(_ url: URL) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        return try FileHandle(forWritingTo: url)
    }

    private func url(for key: String) throws -> URL {
        try FileKey.check(key)
        return root.appendingPathComponent(key)
    }
}
