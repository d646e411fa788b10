import ChamberDomain
import ChamberFiles
import ChamberTestSupport
import Foundation
import Testing

/// Both file stores through the same port: the local file system, and S3 as moto serves it with signatures checked.
@Suite("File stores")
struct FileStoreTests {
    /// What every store must do: keep bytes whole under a key, give them back, forget them, and say nothing is there.
    static func exercise(_ store: any FileStore) async throws {
        let key = "chambers/\(UUID().uuidString.lowercased())/files/\(UUID().uuidString.lowercased())"
        let bytes = Array("%PDF-1.7 a business license".utf8) + (0..<100_000).map { UInt8(truncatingIfNeeded: $0) }
        #expect(try await store.get(key: key) == nil)
        try await store.put(bytes, key: key, contentType: "application/pdf")
        #expect(try await store.get(key: key) == bytes)
        try await store.put(Array("%PDF-1.7 replaced".utf8), key: key, contentType: "application/pdf")
        #expect(try await store.get(key: key) == Array("%PDF-1.7 replaced".utf8))
        try await store.delete(key: key)
        #expect(try await store.get(key: key) == nil)
        try await store.delete(key: key)
        for bad in ["../../etc/passwd", "chambers//x", "/absolute", "Chambers/UPPER", "a/../b", ""] {
            await #expect(throws: (any Error).self, "key \(bad)") { try await store.put([1], key: bad, contentType: "application/pdf") }
        }
    }

    @Test("the local file system keeps bytes whole, under its folder only")
    func localStore() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chamber-files-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try LocalFileStore(root: folder.path)
        try await Self.exercise(store)
        // No partial file is left behind by a write.
        let left = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".partial") }
        #expect(left == [])
    }

    @Test("S3 (moto, signatures checked) keeps bytes whole; a wrong secret is refused")
    func s3Store() async throws {
        let server = try S3TestServer()
        let location = S3Location(endpoint: server.endpoint, bucket: "chamber-files")
        let store = S3FileStore(location: location, accessKeyID: server.accessKeyID, secretAccessKey: server.secretAccessKey)
        try await store.createBucket()
        try await store.createBucket()
        try await Self.exercise(store)
        let forged = S3FileStore(location: location, accessKeyID: server.accessKeyID, secretAccessKey: "not-the-secret")
        await #expect {
            try await forged.put([1, 2, 3], key: "chambers/x/files/y", contentType: "application/pdf")
        } throws: { error in
            (error as? S3Error)?.code == "SignatureDoesNotMatch"
        }
        #expect(try await store.get(key: "chambers/x/files/y") == nil)
    }
}
