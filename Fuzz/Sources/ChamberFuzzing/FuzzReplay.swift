import Foundation

/// Runs a fuzz body over files, as the targets do when built without libFuzzer.
public enum FuzzReplay {
    /// Each file of `files` (a folder: each file in it) through `body`; returns how many inputs ran.
    @discardableResult
    public static func run(_ body: (UnsafeBufferPointer<UInt8>) -> Void, files: some Sequence<String>) throws -> Int {
        var count = 0
        for path in files {
            for file in try inputs(at: URL(fileURLWithPath: path)) {
                let data = try Data(contentsOf: file)
                data.withUnsafeBytes { body($0.bindMemory(to: UInt8.self)) }
                count += 1
            }
        }
        return count
    }

    /// The file at `url`, or the files in it when it is a folder, in name order.
    public static func inputs(at url: URL) throws -> [URL] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else { return [url] }
        return try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
